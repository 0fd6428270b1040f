# shellcheck shell=bash
# Its variables are used by the files sourced after it, which shellcheck does not see from here.
# shellcheck disable=SC2034
# Sourced by ./datalake: settings (environment defaults, paths, the services' files) and the small helpers.
# Every other file of the launcher uses them.

# ---------------------------------------------------------------- settings --

: "${DATALAKE_HOME:=$PROJECT_DIR/.datalake}"
[[ $DATALAKE_HOME == /* ]] || DATALAKE_HOME=$PWD/$DATALAKE_HOME
: "${DATALAKE_CLICKHOUSE_HTTP_PORT:=8123}"
: "${DATALAKE_CLICKHOUSE_TCP_PORT:=9000}"
# Exported: credentials create prints it for clickhouse-client, which speaks the native port.
export DATALAKE_CLICKHOUSE_TCP_PORT
: "${DATALAKE_KAFKA_PORT:=9092}"
: "${DATALAKE_KAFKA_CONTROLLER_PORT:=9093}"
: "${DATALAKE_S3_PORT:=9090}"
: "${DATALAKE_S3_BUCKET:=datalake}"
: "${DATALAKE_POSTGRES_PORT:=5432}"  # PostgreSQL, the production-like Iceberg catalog
: "${DATALAKE_UP_TIMEOUT:=90}"     # seconds a service may take to answer
: "${DATALAKE_STOP_TIMEOUT:=30}"   # seconds between SIGTERM and SIGKILL
: "${DATALAKE_JAVA_OPTS:=-Xmx1g}"  # JVM options of `run` and the Java commands
# jemalloc settings of clickhouse-server (MALLOC_CONF). Debian's package links the system's
# libjemalloc with jemalloc's defaults, under which every allocation of 8 MiB or more (a column of
# a block of large rows) is given back to the kernel when freed and faults its pages in again when
# next used: at 500k records, half of ClickHouse's CPU. These are the settings ClickHouse compiles
# into its own builds (contrib/jemalloc-cmake). Empty: jemalloc's defaults.
: "${DATALAKE_CLICKHOUSE_MALLOC_CONF=percpu_arena:percpu,oversize_threshold:0,muzzy_decay_ms:5000,dirty_decay_ms:5000}"
# Threads of clickhouse-server's background pool (merges, mutations): 16 unless told, ClickHouse's
# own default, takes more than a machine that runs the pipeline beside it has. ClickHouse 18.16
# merges each table's newest part again with every few new ones while it is small, so a stream
# keeps it merging: with one thread per core (at least 2) it merges less often, with more parts at
# once, and leaves the pipeline more of the machine (the benchmark's diary, "Twenty-sixth look").
: "${DATALAKE_CLICKHOUSE_BACKGROUND_POOL_SIZE:=$(n=$(nproc 2>/dev/null || echo 2); ((n < 2)) && n=2; ((n > 16)) && n=16; echo "$n")}"
: "${DATALAKE_FLINK_REST_PORT:=8081}"     # REST API and web UI of the Flink JobManager
: "${DATALAKE_FLINK_RPC_PORT:=6123}"      # where the TaskManagers find the JobManager
: "${DATALAKE_FLINK_TASKMANAGERS:=2}"     # TaskManagers of `flink up` (1 slot each)
: "${DATALAKE_FLINK_TM_MEMORY:=1536m}"    # taskmanager.memory.process.size
: "${DATALAKE_FLINK_JM_MEMORY:=1024m}"    # jobmanager.memory.process.size
# First port of Flink's Prometheus reporter on the local cluster (the JobManager and each
# TaskManager take the next free one of 10); empty: no reporter.
: "${DATALAKE_FLINK_PROMETHEUS_PORT:=}"

readonly S3_ACCESS_KEY=datalake S3_SECRET_KEY=datalake-secret S3_REGION=us-east-1

readonly ALL_SERVICES=(clickhouse kafka s3proxy postgres)
# Commands implemented by the Java CLI (io.datalake.pipelines.cli.Cli).
readonly JAVA_COMMANDS=(run snapshot demo keys pii tenants lake credentials freshness runs lineage ui produce jobs stop flink)

readonly RUN_DIR=$DATALAKE_HOME/run   # pid files and the lock
readonly LIB_DIR=$DATALAKE_HOME/lib   # jars fetched from Maven Central

readonly JAR=$PROJECT_DIR/pipelines/target/datalake-pipelines-bundled.jar
# The same pipelines without the Flink classes a Flink cluster already has:
# what `run` stages to a remote Flink cluster (--filesToStage).
readonly CLUSTER_JAR=$PROJECT_DIR/pipelines/target/datalake-pipelines-cluster.jar
readonly CLI_CLASS=io.datalake.pipelines.cli.Cli

# Per service: its state directory, its rendered config file (whose path is
# also on the process's command line: that is how we recognise our process),
# its main log, and the env vars naming its ports. SVC_CONSOLE overrides the
# default console log <dir>/log/console.log (the Flink processes share one log dir).
declare -A SVC_DIR SVC_CONF SVC_LOG SVC_PORT_VARS SVC_CONSOLE
for _svc in "${ALL_SERVICES[@]}"; do SVC_DIR[$_svc]=$DATALAKE_HOME/$_svc; done
unset _svc
SVC_CONF=(
  [clickhouse]=${SVC_DIR[clickhouse]}/config.xml
  [kafka]=${SVC_DIR[kafka]}/server.properties
  [s3proxy]=${SVC_DIR[s3proxy]}/s3proxy.conf
  [postgres]=${SVC_DIR[postgres]}/postgresql.conf
)
SVC_LOG=(
  [clickhouse]=${SVC_DIR[clickhouse]}/log/clickhouse-server.log
  [kafka]=${SVC_DIR[kafka]}/log/server.log
  [s3proxy]=${SVC_DIR[s3proxy]}/log/console.log
  [postgres]=${SVC_DIR[postgres]}/log/console.log
)
SVC_PORT_VARS=(
  [clickhouse]="DATALAKE_CLICKHOUSE_HTTP_PORT DATALAKE_CLICKHOUSE_TCP_PORT"
  [kafka]="DATALAKE_KAFKA_PORT DATALAKE_KAFKA_CONTROLLER_PORT"
  [s3proxy]="DATALAKE_S3_PORT"
  [postgres]="DATALAKE_POSTGRES_PORT"
)

# ------------------------------------------------------------------ helpers --

say()  { echo "datalake: $*"; }
warn() { echo "datalake: $*" >&2; }
die()  { echo "datalake: error: $*" >&2; exit 1; }
# A command line the user mistyped: one line, exit 2, before anything is done.
# usage_error MESSAGE [COMMAND]: points at './datalake [COMMAND ]--help'.
usage_error() { echo "datalake: error: $1 (./datalake ${2:+$2 }--help)" >&2; exit 2; }
have() { command -v "$1" >/dev/null 2>&1; }
need() { have "$1" || die "'$1' is required but not installed${2:+ ($2)}"; }

as_root() {  # run a command as root (sudo only when we are not root)
  if (( EUID == 0 )); then "$@"; else need sudo; sudo "$@"; fi
}

# apt_install NAME WHY PACKAGE...: installs Debian packages, logging to $DATALAKE_HOME/log/apt-NAME.log;
# refreshes the package lists once when they are stale or missing.
apt_install() {
  local name=$1 why=$2
  shift 2
  need apt-get "$why"
  local log=$DATALAKE_HOME/log/apt-$name.log
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@")
  mkdir -p "$DATALAKE_HOME/log"
  say "installing $* (apt-get; log: $log)"
  if ! as_root "${install[@]}" >>"$log" 2>&1; then
    if ! as_root apt-get update -q >>"$log" 2>&1 || ! as_root "${install[@]}" >>"$log" 2>&1; then
      die "could not install $*; see $log"
    fi
  fi
}

# Where Debian's invoke-rc.d looks for a policy; a variable so that a test can point it elsewhere.
: "${DATALAKE_POLICY_RC:=/usr/sbin/policy-rc.d}"

# apt_install for a server package whose install would start the package's own server on the
# default ports (clickhouse-server: 8123/9000, postgresql: 5432): service starts are forbidden
# during the install, the Debian way, unless the machine already does.
apt_install_without_starting() {
  local name=$1 why=$2
  shift 2
  need apt-get "$why"
  local log=$DATALAKE_HOME/log/apt-$name.log
  mkdir -p "$DATALAKE_HOME/log"
  say "installing $* (apt-get; log: $log)"
  # In a subshell whose EXIT trap removes the policy this install adds: every way out (a failed
  # apt-get update, a failed install, Ctrl-C, a kill) leaves the machine's policy as it was. A
  # policy left behind would keep every later package install from starting its services.
  (
    local policy=$DATALAKE_POLICY_RC
    local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@")
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    if [[ ! -e $policy ]]; then
      trap 'as_root rm -f "$policy" || warn "could not remove $policy: remove it by hand"' EXIT
      printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null && as_root chmod +x "$policy" ||
        die "could not write $policy"
    fi
    if ! apt-cache show "$1" >/dev/null 2>&1; then
      as_root apt-get update -q >>"$log" 2>&1 || die "apt-get update failed; see $log"
    fi
    if ! as_root "${install[@]}" >>"$log" 2>&1; then
      # The package lists may be stale (404 on download): refresh once and retry.
      if ! as_root apt-get update -q >>"$log" 2>&1 || ! as_root "${install[@]}" >>"$log" 2>&1; then
        die "could not install $*; see $log"
      fi
    fi
  ) || exit $?
}

# Serialise up/down/test-cleanup of concurrent ./datalake invocations.
with_lock() {
  mkdir -p "$RUN_DIR"
  (
    flock -w 300 9 || die "timed out waiting for the lock $RUN_DIR/lock"
    "$@"
  ) 9>"$RUN_DIR/lock"
}

check_service_names() {
  local s
  for s in "$@"; do
    [[ -n ${SVC_DIR[$s]:-} ]] || usage_error "unknown service '$s' (known: ${ALL_SERVICES[*]})"
  done
}

check_ports_are_numbers() {
  local var
  for var in DATALAKE_CLICKHOUSE_HTTP_PORT DATALAKE_CLICKHOUSE_TCP_PORT \
             DATALAKE_KAFKA_PORT DATALAKE_KAFKA_CONTROLLER_PORT DATALAKE_S3_PORT; do
    if ! [[ ${!var} =~ ^[0-9]+$ ]] || (( ${!var} < 1 || ${!var} > 65535 )); then
      die "$var='${!var}' is not a port number"
    fi
  done
}

# Writes template $1 to $2, replacing each @KEY@ by the value of a KEY=value argument.
render_template() {
  local src=$1 dst=$2 kv key value
  shift 2
  local sed_args=()
  for kv in "$@"; do
    key=${kv%%=*}
    value=$(printf '%s' "${kv#*=}" | sed -e 's/[\\|&]/\\&/g')
    sed_args+=(-e "s|@${key}@|${value}|g")
  done
  mkdir -p "$(dirname "$dst")"
  # Rendered configs may hold keys (s3proxy.conf): readable by us only.
  (umask 077 && sed "${sed_args[@]}" "$src" >"$dst.tmp")
  if grep -qE '@[A-Z_]+@' "$dst.tmp"; then
    die "$src: placeholder(s) left unrendered: $(grep -oE '@[A-Z_]+@' "$dst.tmp" | sort -u | tr '\n' ' ')"
  fi
  mv "$dst.tmp" "$dst"
}

