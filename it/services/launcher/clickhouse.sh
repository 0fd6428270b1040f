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

clickhouse_install() {
  clickhouse_bin >/dev/null && return 0
  # The package would start its own server on our ports (8123/9000).
  apt_install_without_starting clickhouse "ClickHouse comes from Debian's clickhouse-server package" \
    clickhouse-server clickhouse-client
  clickhouse_bin >/dev/null ||
    die "clickhouse-server installed but not found in /usr/bin or /usr/sbin; see $DATALAKE_HOME/log/apt-clickhouse.log"
}

# The pipeline's own ClickHouse user (every command and test of ours connects as it; `default`
# may read only the system database, see users.xml). Its password is made once and kept in a mode-600 file in the
# format --clickhouseCredentialsFile reads; the server's users.xml holds only its SHA-256.
readonly CLICKHOUSE_ADMIN_USER=datalake_admin

clickhouse_admin_file() { echo "${SVC_DIR[clickhouse]}/admin.credentials"; }

# Tenant users (./datalake credentials create): one users.d/<user>.xml each, kept across down/up.
clickhouse_users_dir() { echo "${SVC_DIR[clickhouse]}/users.d"; }

clickhouse_admin_credentials() {
  local file password
  file=$(clickhouse_admin_file)
  mkdir -p "$(dirname "$file")"
  if [[ ! -s $file ]]; then
    # 192 random bits as hex: no character that needs quoting in XML, a URL or a properties file.
    password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    (umask 077 && printf 'user=%s\npassword=%s\n' "$CLICKHOUSE_ADMIN_USER" "$password" >"$file.tmp") ||
      die "could not write $file"
    mv "$file.tmp" "$file"
  fi
  chmod 600 "$file"
}

clickhouse_admin_password() { sed -n 's/^password=//p' "$(clickhouse_admin_file)"; }

clickhouse_configure() {
  local dir=${SVC_DIR[clickhouse]} password
  mkdir -p "$dir"/{data,tmp,user_files,format_schemas,log,config.d}
  clickhouse_admin_credentials
  password=$(clickhouse_admin_password)
  render_template "$SERVICES_DIR/clickhouse/config.xml" "${SVC_CONF[clickhouse]}" \
    HTTP_PORT="$DATALAKE_CLICKHOUSE_HTTP_PORT" TCP_PORT="$DATALAKE_CLICKHOUSE_TCP_PORT" \
    DATA_DIR="$dir/data" TMP_DIR="$dir/tmp" USER_FILES_DIR="$dir/user_files" \
    FORMAT_SCHEMA_DIR="$dir/format_schemas" LOG_DIR="$dir/log"
  render_template "$SERVICES_DIR/clickhouse/users.xml" "$dir/users.xml" \
    BACKGROUND_POOL_SIZE="$DATALAKE_CLICKHOUSE_BACKGROUND_POOL_SIZE" \
    ADMIN_USER="$CLICKHOUSE_ADMIN_USER" \
    ADMIN_PASSWORD_SHA256="$(printf '%s' "$password" | sha256sum | cut -c1-64)"
  # Releases before the tenant copies (TenantDatabase) rendered a cluster `self` here, with the
  # admin's password in clear, for tenant databases of Distributed tables; nothing uses it now.
  rm -f "$dir/config.d/self-cluster.xml"
  # Tenant users stay as they are: credentials outlive down and up (ClickHouse merges users.d/*.xml
  # next to users.xml, and reloads them while it runs).
  mkdir -p "$(clickhouse_users_dir)"
}

clickhouse_start() {
  echo "--- MALLOC_CONF=$DATALAKE_CLICKHOUSE_MALLOC_CONF (DATALAKE_CLICKHOUSE_MALLOC_CONF)" \
    >>"$(console_log clickhouse)"
  MALLOC_CONF=$DATALAKE_CLICKHOUSE_MALLOC_CONF \
    start_process clickhouse "$(clickhouse_bin)" --config-file="${SVC_CONF[clickhouse]}"
}

clickhouse_ready() {
  [[ $(http_body "$DATALAKE_CLICKHOUSE_HTTP_PORT" /ping) == "Ok." ]] &&
    [[ $(http_body "$DATALAKE_CLICKHOUSE_HTTP_PORT" '/?query=SELECT%201') == 1 ]]
}

clickhouse_describe() {
  echo "http://127.0.0.1:$DATALAKE_CLICKHOUSE_HTTP_PORT tcp 127.0.0.1:$DATALAKE_CLICKHOUSE_TCP_PORT, data ${SVC_DIR[clickhouse]}/data"
}

