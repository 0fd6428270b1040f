# shellcheck shell=bash
# The single-quoted `bash -c` scripts below get their values as "$1"... on purpose.
# shellcheck disable=SC2016
# Sourced by ./datalake: TCP ports and HTTP, with bash's /dev/tcp or curl.

# --------------------------------------------------------- ports and HTTP --

port_accepts() {  # something accepts TCP connections on 127.0.0.1:$1
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

port_listener() {  # "users:((...pid=N...))" of whoever listens on port $1, if ss can tell
  ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(.*)' | head -n 1 || true
}

# Prints the whole HTTP response (status line, headers, body) of GET 127.0.0.1:$1$2.
http_get() {
  if have curl; then
    curl -sS -i --max-time 3 "http://127.0.0.1:$1$2" 2>/dev/null
  else
    timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
      printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" "$2" >&3
      cat <&3' _ "$1" "$2" 2>/dev/null
  fi
}

http_status() {  # status code of GET 127.0.0.1:$1$2 (fails if nothing answers)
  local response
  response=$(http_get "$1" "$2") || return 1
  response=${response%%$'\r'*}
  [[ $response =~ ^HTTP/[0-9.]+\ ([0-9]{3}) ]] || return 1
  echo "${BASH_REMATCH[1]}"
}

http_body() {  # body of GET 127.0.0.1:$1$2, trailing newlines dropped
  local response
  response=$(http_get "$1" "$2") || return 1
  printf '%s\n' "$response" | sed -e '1,/^\r\{0,1\}$/d'
}

