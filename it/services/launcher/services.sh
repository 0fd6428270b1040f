# shellcheck shell=bash
# Sourced by ./datalake: the service commands: up, down, status, env, logs.

# ----------------------------------------------------------------- commands --

# Sets SERVICES to the services named in "$@" (checked), or to all of them.
select_services() {
  check_service_names "$@"
  if (( $# )); then SERVICES=("$@"); else SERVICES=("${ALL_SERVICES[@]}"); fi
}

do_up() {
  local svc pid to_start=()
  # 1. Leave running services alone; check ports, install and configure the others.
  for svc in "$@"; do
    if pid=$(running_pid "$svc"); then
      if svc_answers "$svc" "$pid"; then
        say "$svc is already running (pid $pid): $("${svc}_describe")"
      else
        say "$svc is running (pid $pid) but not answering yet; waiting"
        wait_until_ready "$svc"
        say "$svc is up (pid $pid): $("${svc}_describe")"
      fi
      continue
    fi
    rm -f "$(pid_file "$svc")"
    check_ports_free "$svc"
    "${svc}_install"
    "${svc}_configure"
    chmod go-rwx "${SVC_DIR[$svc]}"  # its data and keys: ours only
    to_start+=("$svc")
  done
  # 2. Start them all, then 3. wait for each to answer.
  for svc in "${to_start[@]}"; do
    say "starting $svc"
    "${svc}_start"
  done
  for svc in "${to_start[@]}"; do
    wait_until_ready "$svc"
    say "$svc is up (pid $(running_pid "$svc")): $("${svc}_describe")"
  done
}

cmd_up() {
  select_services "$@"
  check_ports_are_numbers
  local start=$SECONDS
  with_lock do_up "${SERVICES[@]}"
  say "ready in $((SECONDS - start))s; endpoints: ./datalake env"
}

cmd_down() {
  select_services "$@"
  with_lock stop_services "${SERVICES[@]}"
}

cmd_status() {
  local svc pid down=0 var holder
  select_services "$@"
  for svc in "${SERVICES[@]}"; do
    if pid=$(running_pid "$svc"); then
      if svc_answers "$svc" "$pid"; then
        printf '%-10s running (pid %s), answering       %s\n' "$svc" "$pid" "$("${svc}_describe")"
      else
        printf '%-10s running (pid %s), NOT answering   %s; log %s\n' "$svc" "$pid" "$("${svc}_describe")" "${SVC_LOG[$svc]}"
        down=1
      fi
    else
      printf '%-10s down                           %s\n' "$svc" "$("${svc}_describe")"
      for var in ${SVC_PORT_VARS[$svc]}; do
        if port_accepts "${!var}"; then
          holder=$(port_listener "${!var}")
          printf '%-10s   (port %s is in use by another process%s; %s)\n' "" "${!var}" "${holder:+: $holder}" "$var"
        fi
      done
      down=1
    fi
  done
  return $((down ? 3 : 0))
}

export_endpoints() {
  export DATALAKE_KAFKA_BOOTSTRAP=127.0.0.1:$DATALAKE_KAFKA_PORT
  export DATALAKE_S3_ENDPOINT=http://127.0.0.1:$DATALAKE_S3_PORT
  export DATALAKE_S3_ACCESS_KEY=$S3_ACCESS_KEY
  export DATALAKE_S3_SECRET_KEY=$S3_SECRET_KEY
  export DATALAKE_S3_REGION=$S3_REGION
  export DATALAKE_S3_BUCKET
  export DATALAKE_CLICKHOUSE_URL=http://127.0.0.1:$DATALAKE_CLICKHOUSE_HTTP_PORT
  # Paths only, no password: the admin's credentials file and the tenant users' folder.
  DATALAKE_CLICKHOUSE_CREDENTIALS_FILE=$(clickhouse_admin_file)
  DATALAKE_CLICKHOUSE_USERS_DIR=$(clickhouse_users_dir)
  export DATALAKE_CLICKHOUSE_CREDENTIALS_FILE DATALAKE_CLICKHOUSE_USERS_DIR
  export DATALAKE_FLINK_REST=${DATALAKE_FLINK_REST:-http://127.0.0.1:$DATALAKE_FLINK_REST_PORT}
  # The Iceberg catalog's database: its URL and the credentials file --icebergCatalogCredentialsFile
  # reads (a path, no password).
  export DATALAKE_POSTGRES_URL=jdbc:postgresql://127.0.0.1:$DATALAKE_POSTGRES_PORT/$POSTGRES_DATABASE
  DATALAKE_POSTGRES_CREDENTIALS_FILE=$(postgres_admin_file)
  export DATALAKE_POSTGRES_CREDENTIALS_FILE
}

cmd_env() {
  export_endpoints
  local var
  for var in DATALAKE_HOME DATALAKE_KAFKA_BOOTSTRAP DATALAKE_S3_ENDPOINT DATALAKE_S3_ACCESS_KEY \
             DATALAKE_S3_SECRET_KEY DATALAKE_S3_REGION DATALAKE_S3_BUCKET DATALAKE_CLICKHOUSE_URL \
             DATALAKE_CLICKHOUSE_TCP_PORT \
             DATALAKE_CLICKHOUSE_CREDENTIALS_FILE DATALAKE_CLICKHOUSE_USERS_DIR DATALAKE_FLINK_REST \
             DATALAKE_POSTGRES_URL DATALAKE_POSTGRES_CREDENTIALS_FILE; do
    printf 'export %s=%q\n' "$var" "${!var}"
  done
}

cmd_logs() {
  local svc
  select_services "$@"
  for svc in "${SERVICES[@]}"; do
    echo "==> ${SVC_LOG[$svc]} <=="
    tail -n 30 "${SVC_LOG[$svc]}" 2>/dev/null || echo "(no log yet)"
  done
}

