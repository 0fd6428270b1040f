# shellcheck shell=bash
# Sourced by ./datalake: PostgreSQL (Debian's postgresql), the database of the Iceberg lake's jdbc
# catalog in production: install, configure, start, ready.

# ---------------------------------------------------------------- PostgreSQL --

# The catalog's database, and the role the pipeline connects as (its password in a mode-600 file
# in the format --icebergCatalogCredentialsFile reads).
readonly POSTGRES_DATABASE=iceberg POSTGRES_ADMIN_USER=datalake_admin

postgres_bindir() {  # the newest installed server's bin folder
  local d
  d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
  [[ -n $d && -x $d/postgres ]] && echo "$d"
}

postgres_install() {
  postgres_bindir >/dev/null && return 0
  # The package would create and start a cluster of its own on 5432.
  apt_install_without_starting postgres "PostgreSQL comes from Debian's postgresql package" postgresql
  postgres_bindir >/dev/null ||
    die "postgresql installed but no server under /usr/lib/postgresql/*/bin; see $DATALAKE_HOME/log/apt-postgres.log"
}

postgres_admin_file() { echo "${SVC_DIR[postgres]}/admin.credentials"; }

# The server refuses to run as root: it runs as Debian's `postgres` user, which owns its folder.
# That user must pass through $DATALAKE_HOME (700 otherwise): it gets search (x) on it, not read,
# and keeps it (private_home in ./datalake leaves x while this folder exists: the server opens its
# files by absolute paths, and lost them at its first checkpoint when x was taken away); every other
# service's folder stays ours only.
postgres_as_user() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

postgres_configure() {
  local dir=${SVC_DIR[postgres]} bin password pwfile
  bin=$(postgres_bindir)
  id postgres >/dev/null 2>&1 || die "no 'postgres' user (Debian's postgresql package makes it)"
  mkdir -p "$dir"/{data,log,socket}
  chmod 711 "$DATALAKE_HOME"
  if [[ ! -s $(postgres_admin_file) ]]; then
    # 192 random bits as hex: nothing to quote in a URL, a properties file or SQL.
    password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
    (umask 077 && printf 'user=%s\npassword=%s\n' "$POSTGRES_ADMIN_USER" "$password" >"$(postgres_admin_file).tmp") ||
      die "could not write $(postgres_admin_file)"
    mv "$(postgres_admin_file).tmp" "$(postgres_admin_file)"
  fi
  chown -R postgres:postgres "$dir"
  chown root:root "$(postgres_admin_file)"
  chmod 600 "$(postgres_admin_file)"
  if [[ ! -s $dir/data/PG_VERSION ]]; then
    pwfile=$dir/socket/initdb.pw
    (umask 077 && sed -n 's/^password=//p' "$(postgres_admin_file)" >"$pwfile") && chown postgres "$pwfile"
    postgres_as_user "$bin/initdb" -D "$dir/data" -U "$POSTGRES_ADMIN_USER" --pwfile="$pwfile" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --no-locale >>"$dir/log/initdb.log" 2>&1 ||
      { rm -f "$pwfile"; die "initdb failed; see $dir/log/initdb.log"; }
    rm -f "$pwfile"
    # The catalog's database, made in single-user mode: the server is not up yet.
    echo "CREATE DATABASE $POSTGRES_DATABASE" |
      postgres_as_user "$bin/postgres" --single -D "$dir/data" postgres >>"$dir/log/initdb.log" 2>&1 ||
      die "could not create the database $POSTGRES_DATABASE; see $dir/log/initdb.log"
  fi
  # Our settings; the path of this file on the server's command line is how we recognise it.
  printf '%s\n' "include '$dir/data/postgresql.conf'" \
    "listen_addresses = '127.0.0.1'" "port = $DATALAKE_POSTGRES_PORT" \
    "unix_socket_directories = '$dir/socket'" "hba_file = '$dir/data/pg_hba.conf'" \
    "ident_file = '$dir/data/pg_ident.conf'" "data_directory = '$dir/data'" \
    "logging_collector = off" >"${SVC_CONF[postgres]}"
  chown postgres:postgres "${SVC_CONF[postgres]}"
}

postgres_start() {
  start_process postgres setpriv --reuid=postgres --regid=postgres --init-groups -- \
    "$(postgres_bindir)/postgres" -c config_file="${SVC_CONF[postgres]}"
}

postgres_ready() {
  "$(postgres_bindir)/pg_isready" -q -h 127.0.0.1 -p "$DATALAKE_POSTGRES_PORT" -d "$POSTGRES_DATABASE"
}

postgres_describe() {
  echo "jdbc:postgresql://127.0.0.1:$DATALAKE_POSTGRES_PORT/$POSTGRES_DATABASE user $POSTGRES_ADMIN_USER (credentials $(postgres_admin_file)), data ${SVC_DIR[postgres]}/data"
}
