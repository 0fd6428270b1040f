# shellcheck shell=bash
# Sourced by ./datalake: chdb, the current ClickHouse engine in-process (npm package), which the
# tests use to check that DDL, access statements and the documented queries work on current
# servers. Not a service: no process, no port; installed once per $DATALAKE_HOME.

# --------------------------------------------------------------------- chdb --

readonly CHDB_VERSION=3.4.0  # ClickHouse 26.7 inside

chdb_dir() { echo "$DATALAKE_HOME/chdb"; }

# Installs chdb@$CHDB_VERSION under $DATALAKE_HOME/chdb (~550 MB, ~10 s), and Node.js with npm
# from Debian's packages when the machine has none.
chdb_install() {
  local dir log installed
  dir=$(chdb_dir)
  log=$DATALAKE_HOME/log/npm-chdb.log
  installed=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$dir/node_modules/chdb/package.json" 2>/dev/null | head -n 1) || installed=
  [[ $installed == "$CHDB_VERSION" ]] && have node && return 0
  mkdir -p "$DATALAKE_HOME/log" "$dir"
  if ! have node || ! have npm; then
    apt_install nodejs "Node.js runs chdb, the current ClickHouse engine the tests check against" nodejs npm
  fi
  say "installing chdb $CHDB_VERSION, the current ClickHouse engine for the tests (npm; log: $log)"
  (cd "$dir" && npm install --no-audit --no-fund --no-save --prefix "$dir" "chdb@$CHDB_VERSION") >>"$log" 2>&1 ||
    die "could not install chdb $CHDB_VERSION with npm; see $log"
}
