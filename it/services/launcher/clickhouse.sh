# shellcheck shell=bash
# Sourced by ./datalake: ClickHouse (Debian's clickhouse-server): install, configure, start, ready.

# --------------------------------------------------------------- ClickHouse --

clickhouse_bin() {
  local b
  for b in /usr/bin/clickhouse-server /usr/sbin/clickhouse-server; do
    [[ -x $b ]] && { echo "$b"; return 0; }
  done
  command -v clickhouse-server
}

# Where Debian's invoke-rc.d looks for a policy; a variable so that a test can point it elsewhere.
: "${DATALAKE_POLICY_RC:=/usr/sbin/policy-rc.d}"

clickhouse_install() {
  clickhouse_bin >/dev/null && return 0
  need apt-get "ClickHouse comes from Debian's clickhouse-server package"
  local log=$DATALAKE_HOME/log/apt-clickhouse.log
  mkdir -p "$DATALAKE_HOME/log"
  say "installing clickhouse-server and clickhouse-client (apt-get; log: $log)"
  # In a subshell whose EXIT trap removes the policy this install adds: every way out (a failed
  # apt-get update, a failed install, Ctrl-C, a kill) leaves the machine's policy as it was. A
  # policy left behind would keep every later package install from starting its services.
  (
    local policy=$DATALAKE_POLICY_RC
    local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q clickhouse-server clickhouse-client)
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    # The package would start its own server on our ports (8123/9000): forbid service starts
    # during the install, the Debian way, unless the machine already does.
    if [[ ! -e $policy ]]; then
      trap 'as_root rm -f "$policy" || warn "could not remove $policy: remove it by hand"' EXIT
      printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null && as_root chmod +x "$policy" ||
        die "could not write $policy"
    fi
    if ! apt-cache show clickhouse-server >/dev/null 2>&1; then
      as_root apt-get update -q >>"$log" 2>&1 || die "apt-get update failed; see $log"
    fi
    if ! as_root "${install[@]}" >>"$log" 2>&1; then
      # The package lists may be stale (404 on download): refresh once and retry.
      if ! as_root apt-get update -q >>"$log" 2>&1 || ! as_root "${install[@]}" >>"$log" 2>&1; then
        die "could not install clickhouse-server; see $log"
      fi
    fi
  ) || exit $?
  clickhouse_bin >/dev/null || die "clickhouse-server installed but not found in /usr/bin or /usr/sbin; see $log"
}

clickhouse_configure() {
  local dir=${SVC_DIR[clickhouse]}
  mkdir -p "$dir"/{data,tmp,user_files,format_schemas,log}
  render_template "$SERVICES_DIR/clickhouse/config.xml" "${SVC_CONF[clickhouse]}" \
    HTTP_PORT="$DATALAKE_CLICKHOUSE_HTTP_PORT" TCP_PORT="$DATALAKE_CLICKHOUSE_TCP_PORT" \
    DATA_DIR="$dir/data" TMP_DIR="$dir/tmp" USER_FILES_DIR="$dir/user_files" \
    FORMAT_SCHEMA_DIR="$dir/format_schemas" LOG_DIR="$dir/log"
  cp "$SERVICES_DIR/clickhouse/users.xml" "$dir/users.xml"
  # Extra users (e.g. per-tenant users with row filters) merged in by ClickHouse.
  rm -rf "$dir/users.d"
  if compgen -G "$SERVICES_DIR/clickhouse/users.d/*.xml" >/dev/null; then
    mkdir -p "$dir/users.d"
    cp "$SERVICES_DIR"/clickhouse/users.d/*.xml "$dir/users.d/"
  fi
}

clickhouse_start() {
  start_process clickhouse "$(clickhouse_bin)" --config-file="${SVC_CONF[clickhouse]}"
}

clickhouse_ready() {
  [[ $(http_body "$DATALAKE_CLICKHOUSE_HTTP_PORT" /ping) == "Ok." ]] &&
    [[ $(http_body "$DATALAKE_CLICKHOUSE_HTTP_PORT" '/?query=SELECT%201') == 1 ]]
}

clickhouse_describe() {
  echo "http://127.0.0.1:$DATALAKE_CLICKHOUSE_HTTP_PORT tcp 127.0.0.1:$DATALAKE_CLICKHOUSE_TCP_PORT, data ${SVC_DIR[clickhouse]}/data"
}

