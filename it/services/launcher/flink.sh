# shellcheck shell=bash
# SVC_DIR, SVC_CONF... are the associative arrays of settings.sh (keyed by name, no arithmetic),
# read by processes.sh: shellcheck sees neither from here.
# shellcheck disable=SC2004,SC2034
# Sourced by ./datalake: the standalone Flink session cluster and `./datalake flink ...`.

# -------------------------------------------------------------------- Flink --
# A standalone Flink 1.19 session cluster from Maven Central jars (there is no
# flink-dist there): one JobManager and N TaskManagers, each a detached JVM
# with its own pid file, started the way Flink's bin/ scripts would start them.
# Not one of ALL_SERVICES: `./datalake up` leaves it alone (it takes ~1.5 GB per
# TaskManager); `./datalake flink up|down|status|...` manages it.
#
# Process names (pid files $RUN_DIR/<name>.pid): flink-jobmanager and
# flink-taskmanager-<ID>. Each has its own conf dir, and its command line says
# `--configDir <that dir>`: that is how we recognise our processes.

readonly FLINK_DIR=$DATALAKE_HOME/flink
readonly FLINK_LOG_DIR=$FLINK_DIR/log
readonly FLINK_JM=flink-jobmanager
# Flink's default env.java.opts.all (flink-dist's config.yaml): what Flink's
# RPC, Kryo and memory code needs opened on Java 17.
readonly FLINK_JAVA17_OPTS=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

flink_tm() { echo "flink-taskmanager-$1"; }  # process name of TaskManager $1

flink_conf_dir() {
  if [[ $1 == "$FLINK_JM" ]]; then echo "$FLINK_DIR/conf"; else echo "${SVC_DIR[$1]}/conf"; fi
}

# Declares Flink process $1 (flink-jobmanager or flink-taskmanager-ID) to the
# generic helpers (running_pid, start_process, stop_services, show_log_tail).
flink_register() {
  local name=$1 short=${1#flink-}
  if [[ $name == "$FLINK_JM" ]]; then
    SVC_DIR[$name]=$FLINK_DIR/jobmanager
    SVC_PORT_VARS[$name]="DATALAKE_FLINK_REST_PORT DATALAKE_FLINK_RPC_PORT"
  else
    SVC_DIR[$name]=$FLINK_DIR/$short
    SVC_PORT_VARS[$name]=""
  fi
  # The trailing space keeps taskmanager-1 from matching taskmanager-10.
  SVC_CONF[$name]="--configDir $(flink_conf_dir "$name") "
  SVC_LOG[$name]=$FLINK_LOG_DIR/$short.log
  SVC_CONSOLE[$name]=$FLINK_LOG_DIR/$short.out
}

flink_pid() {  # running_pid of Flink process $1, registering it first (callers may be subshells)
  flink_register "$1"
  running_pid "$1"
}

check_flink_settings() {
  local var
  for var in DATALAKE_FLINK_REST_PORT DATALAKE_FLINK_RPC_PORT; do
    if ! [[ ${!var} =~ ^[0-9]+$ ]] || (( ${!var} < 1 || ${!var} > 65535 )); then
      die "$var='${!var}' is not a port number"
    fi
  done
  for var in DATALAKE_FLINK_TM_MEMORY DATALAKE_FLINK_JM_MEMORY; do
    [[ ${!var} =~ ^[0-9]+[mg]$ ]] || die "$var='${!var}' is not a size like 1280m or 2g"
  done
  local prom=$DATALAKE_FLINK_PROMETHEUS_PORT
  if [[ -n $prom ]] && { ! [[ $prom =~ ^[0-9]+$ ]] || (( prom < 1 || prom > 65526 )); }; then
    die "DATALAKE_FLINK_PROMETHEUS_PORT='$prom' is not a port number (the first of 10)"
  fi
}

# Flink's Prometheus reporter (flink-metrics-prometheus, among the cluster's jars) when
# DATALAKE_FLINK_PROMETHEUS_PORT is set: every process of the cluster serves /metrics on the first
# free port of the 10 from there (the JobManager and each TaskManager need one of their own on
# one host). Job metrics such as numRestarts come from the JobManager, task and operator metrics
# (the Beam counters, unlabelled) from the TaskManagers.
flink_prometheus_conf() {
  [[ -n $DATALAKE_FLINK_PROMETHEUS_PORT ]] || return 0
  printf '\n# Added by ./datalake: DATALAKE_FLINK_PROMETHEUS_PORT.\n'
  printf 'metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory\n'
  printf 'metrics.reporter.prom.port: %s-%s\n' "$DATALAKE_FLINK_PROMETHEUS_PORT" \
    "$((DATALAKE_FLINK_PROMETHEUS_PORT + 9))"
}

# IDs of the TaskManagers that have a pid file (running or not), sorted; each registered.
flink_tm_ids() {
  local f id ids=()
  for f in "$RUN_DIR"/flink-taskmanager-*.pid; do
    [[ -e $f ]] || continue
    id=${f##*/flink-taskmanager-}
    id=${id%.pid}
    [[ $id =~ ^[0-9]+$ ]] && ids+=("$id")
  done
  (( ${#ids[@]} )) || return 0
  printf '%s\n' "${ids[@]}" | sort -n
}

# Drops the pid files (and scratch) of TaskManagers that died without us: a
# crash, or a kill by someone else. `flink status` reports them until then.
flink_forget_dead_tms() {
  local id name
  for id in $(flink_tm_ids); do
    name=$(flink_tm "$id")
    flink_pid "$name" >/dev/null && continue
    say "taskmanager-$id is not running any more; forgetting it (log: $FLINK_LOG_DIR/taskmanager-$id.log)"
    rm -f "$(pid_file "$name")"
    rm -rf "${SVC_DIR[$name]}/tmp"
  done
}

flink_running_tm_ids() {  # IDs of our running TaskManagers, one a line
  local id
  for id in $(flink_tm_ids); do
    flink_register "$(flink_tm "$id")"
    flink_pid "$(flink_tm "$id")" >/dev/null && echo "$id"
  done
  return 0
}

# A TaskManager ID not used since the last `flink down`: a replacement gets a
# new resource id, as a new pod or host would, rather than posing as the dead one.
flink_next_tm_id() {
  local max=0 d id
  for d in "$FLINK_DIR"/taskmanager-*; do
    [[ -e $d ]] || continue
    id=${d##*/taskmanager-}
    [[ $id =~ ^[0-9]+$ ]] && (( id > max )) && max=$id
  done
  for id in $(flink_tm_ids); do (( id > max )) && max=$id; done
  echo $((max + 1))
}

flink_install() {
  need java
  fetch_jars flink copy-dependencies
}

# The cluster-wide config, rendered once per `flink up` when the JobManager
# starts; each process's config.yaml is it plus that process's own keys (YAML
# refuses a key twice, so they are not in the template).
readonly FLINK_CLUSTER_CONF=$FLINK_DIR/cluster-config.yaml

flink_configure_jobmanager() {
  local conf=$FLINK_DIR/conf
  mkdir -p "$conf" "$FLINK_LOG_DIR" "$FLINK_DIR"/{checkpoints,savepoints,submissions} \
    "$FLINK_DIR"/jobmanager/{tmp,web}
  chmod go-rwx "$FLINK_DIR"  # checkpoints, job records, logs: ours only
  render_template "$SERVICES_DIR/flink/config.yaml" "$FLINK_CLUSTER_CONF" \
    RPC_PORT="$DATALAKE_FLINK_RPC_PORT" REST_PORT="$DATALAKE_FLINK_REST_PORT" \
    TM_PROCESS_SIZE="$DATALAKE_FLINK_TM_MEMORY" JM_PROCESS_SIZE="$DATALAKE_FLINK_JM_MEMORY" \
    FLINK_DIR="$FLINK_DIR"
  flink_prometheus_conf >>"$FLINK_CLUSTER_CONF"
  {
    cat "$FLINK_CLUSTER_CONF"
    printf '\n# Added by ./datalake for the JobManager.\nio.tmp.dirs: %s\n' "$FLINK_DIR/jobmanager/tmp"
  } >"$conf/config.yaml"
  cp "$SERVICES_DIR/flink/log4j.properties" "$conf/log4j.properties"
}

# TaskManager $1's conf dir: the cluster config the JobManager runs with (so
# both sides agree on every key) plus its own resource id and tmp dir (blobs,
# spill files).
flink_configure_taskmanager() {
  local id=$1 name dir
  name=$(flink_tm "$id")
  flink_register "$name"
  dir=${SVC_DIR[$name]}
  rm -rf "$dir/tmp"
  mkdir -p "$dir"/{conf,tmp}
  {
    cat "$FLINK_CLUSTER_CONF"
    printf '\n# Added by ./datalake for this TaskManager.\ntaskmanager.resource-id: taskmanager-%s\nio.tmp.dirs: %s\n' \
      "$id" "$dir/tmp"
  } >"$dir/conf/config.yaml"
  cp "$SERVICES_DIR/flink/log4j.properties" "$dir/conf/log4j.properties"
}

# Sets FLINK_JVM_PARAMS and FLINK_DYNAMIC_PARAMS to what Flink's BashJavaUtils
# derives from conf dir $2 for $1 (GET_JM_RESOURCE_PARAMS or GET_TM_RESOURCE_PARAMS):
# the -Xmx/-Xms/-XX:Max*Size flags, and the "-D key=value" memory settings the
# process must be started with, as jobmanager.sh and taskmanager.sh do.
flink_resource_params() {
  local what=$1 conf=$2 output results=()
  output=$(java -cp "$LIB_DIR/flink/*" org.apache.flink.runtime.util.bash.BashJavaUtils \
    "$what" --configDir "$conf" 2>&1) || {
    printf '%s\n' "$output" | tail -n 20 | sed 's/^/    /' >&2
    die "flink: BashJavaUtils $what failed for $conf"
  }
  mapfile -t results < <(printf '%s\n' "$output" | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p')
  if (( ${#results[@]} != 2 )); then
    printf '%s\n' "$output" | tail -n 20 | sed 's/^/    /' >&2
    die "flink: expected 2 result lines from BashJavaUtils $what, got ${#results[@]}"
  fi
  read -ra FLINK_JVM_PARAMS <<<"${results[0]}"
  read -ra FLINK_DYNAMIC_PARAMS <<<"${results[1]}"
}

# The Flink processes write s3:// lakes with AWS's default provider chain. Unless AWS credentials
# are configured (AWS_ACCESS_KEY_ID, AWS_PROFILE, ~/.aws), they get the local S3Proxy's keys in
# their environment: never as job options, which Flink shows in its web UI.
flink_aws_environment() {
  [[ -z ${AWS_ACCESS_KEY_ID:-} && -z ${AWS_PROFILE:-} && ! -e $HOME/.aws/credentials && ! -e $HOME/.aws/config ]] ||
    return 0
  export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
}

flink_start_process() {  # flink_start_process NAME MAIN_CLASS BASH_JAVA_UTILS_COMMAND
  local name=$1 main=$2 what=$3 conf
  conf=$(flink_conf_dir "$name")
  flink_resource_params "$what" "$conf"
  mkdir -p "${SVC_DIR[$name]}" "$FLINK_LOG_DIR"
  # FLINK_PLUGINS_DIR: where a real distribution keeps optional file systems
  # (plugins/s3-fs-presto/*.jar); empty here, but absolute instead of ./plugins.
  mkdir -p "$FLINK_DIR/plugins"
  flink_aws_environment
  FLINK_PLUGINS_DIR=$FLINK_DIR/plugins \
    start_process "$name" java "${FLINK_JVM_PARAMS[@]}" "${FLINK_JAVA17_OPTS[@]}" \
    -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog.file="${SVC_LOG[$name]}" \
    -Dlog4j.configurationFile="file:$conf/log4j.properties" \
    -cp "$LIB_DIR/flink/*" "$main" --configDir "$conf" "${FLINK_DYNAMIC_PARAMS[@]}"
}

flink_start_jobmanager() {
  flink_start_process "$FLINK_JM" org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
    GET_JM_RESOURCE_PARAMS
}

flink_start_taskmanager() {
  flink_start_process "$(flink_tm "$1")" org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
    GET_TM_RESOURCE_PARAMS
}

flink_rest() { echo "http://127.0.0.1:$DATALAKE_FLINK_REST_PORT"; }

flink_jobmanager_ready() {  # our JobManager's own REST port answers /overview
  local pid
  pid=$(flink_pid "$FLINK_JM" 2>/dev/null) && pid_listens "$pid" "$DATALAKE_FLINK_REST_PORT" &&
    [[ $(http_status "$DATALAKE_FLINK_REST_PORT" /overview 2>/dev/null) == 200 ]]
}

# The resource ids of the TaskManagers registered at the JobManager, one a line.
flink_registered_tms() {
  http_body "$DATALAKE_FLINK_REST_PORT" /taskmanagers 2>/dev/null |
    grep -o '"id":"[^"]*"' | sed -e 's/^"id":"//' -e 's/"$//' || true
}

# Waits until the JobManager answers and each of our running TaskManagers is
# registered; dies (with the log tail) if one of them exits or on timeout.
flink_wait_until_ready() {
  local name id registered missing
  waited_start
  while true; do
    waited_tick
    for name in "$FLINK_JM" $(flink_tm_ids | sed 's/^/flink-taskmanager-/'); do
      flink_register "$name"
      if ! flink_pid "$name" >/dev/null && ! starting_pid_alive "$name"; then
        show_log_tail "$name"
        die "$name exited while starting; see ${SVC_LOG[$name]} and $(console_log "$name")"
      fi
    done
    missing=()
    if flink_jobmanager_ready; then
      registered=$(flink_registered_tms)
      for id in $(flink_running_tm_ids); do
        grep -qx "taskmanager-$id" <<<"$registered" || missing+=("taskmanager-$id")
      done
      (( ${#missing[@]} == 0 )) && return 0
    else
      missing=(jobmanager)
    fi
    if (( WAITED >= DATALAKE_UP_TIMEOUT )); then
      for name in "${missing[@]}"; do show_log_tail "flink-$name"; done
      die "flink: not ready within ${DATALAKE_UP_TIMEOUT}s (DATALAKE_UP_TIMEOUT): waiting for ${missing[*]}"
    fi
    sleep 0.5
  done
}

flink_describe() {
  local id pid out=()
  for id in $(flink_running_tm_ids); do
    pid=$(flink_pid "$(flink_tm "$id")") && out+=("taskmanager-$id (pid $pid)")
  done
  echo "REST and web UI $(flink_rest), taskmanagers: ${out[*]:-none}"
}

# Starts the JobManager unless it runs, and TaskManagers until $1 of ours run.
do_flink_up() {
  local want=$1 pid id running=() started=()
  flink_forget_dead_tms
  flink_register "$FLINK_JM"
  if pid=$(flink_pid "$FLINK_JM"); then
    say "flink jobmanager is already running (pid $pid)"
  else
    rm -f "$(pid_file "$FLINK_JM")"
    check_ports_free "$FLINK_JM"
    flink_install
    flink_configure_jobmanager
    say "starting flink jobmanager"
    flink_start_jobmanager
  fi
  mapfile -t running < <(flink_running_tm_ids)
  while (( ${#running[@]} + ${#started[@]} < want )); do
    id=$(flink_next_tm_id)
    flink_configure_taskmanager "$id"
    say "starting flink taskmanager-$id"
    flink_start_taskmanager "$id"
    started+=("$id")
  done
  (( ${#running[@]} > want )) &&
    say "${#running[@]} taskmanagers are running, more than $want: leaving them (flink kill-taskmanager ID stops one)"
  flink_wait_until_ready
}

do_flink_down() {
  local names=("$FLINK_JM") id
  for id in $(flink_tm_ids); do names+=("$(flink_tm "$id")"); done
  for id in "${names[@]}"; do flink_register "$id"; done
  # TaskManagers and JobManager together: a TaskManager whose JobManager is gone
  # only retries to reconnect, so the order does not matter.
  stop_services "${names[@]}"
  # Their scratch (blob caches with a copy of every job's jar, spill files) goes
  # with them; conf, logs, checkpoints and savepoints stay.
  rm -rf "$FLINK_DIR"/taskmanager-* "$FLINK_DIR/jobmanager/tmp" "$FLINK_DIR/jobmanager/web"
}

do_flink_add_taskmanager() {
  local id
  flink_pid "$FLINK_JM" >/dev/null || die "flink is not running; ./datalake flink up"
  flink_forget_dead_tms
  id=$(flink_next_tm_id)
  flink_configure_taskmanager "$id"
  say "starting flink taskmanager-$id"
  flink_start_taskmanager "$id"
  flink_wait_until_ready
  say "taskmanager-$id is up (pid $(flink_pid "$(flink_tm "$id")")) and registered"
}

# SIGKILL, no graceful stop: what a crashed host or an OOM-killed container does.
do_flink_kill_taskmanager() {
  local id=$1 name pid
  [[ $id =~ ^[0-9]+$ ]] || usage_error "flink kill-taskmanager takes a number (./datalake flink taskmanagers lists them)" flink
  name=$(flink_tm "$id")
  flink_register "$name"
  pid=$(flink_pid "$name") ||
    die "taskmanager-$id is not running (running: $(flink_running_tm_ids | paste -sd' ' -))"
  kill -KILL "$pid"
  local deadline=$((SECONDS + 10))
  while pid_is_ours "$name" "$pid"; do
    (( SECONDS < deadline )) || die "taskmanager-$id (pid $pid) survived SIGKILL"
    sleep 0.1
  done
  rm -f "$(pid_file "$name")"
  rm -rf "${SVC_DIR[$name]}/tmp"
  say "killed taskmanager-$id (pid $pid) with SIGKILL"
}

cmd_flink() {
  local sub=${1:-help}
  (( $# )) && shift
  # `flink SUB --help`: the flink commands' usage. Commands without arguments refuse any.
  if [[ ${1:-} == --help || ${1:-} == -h ]]; then
    flink_usage
    return 0
  fi
  case $sub in
    down | taskmanagers | add-taskmanager)
      (( $# == 0 )) || usage_error "flink $sub takes no arguments, not '$*'" flink ;;
  esac
  check_flink_settings
  case $sub in
    up)
      local want=$DATALAKE_FLINK_TASKMANAGERS
      while (( $# )); do
        case $1 in
          --taskmanagers=*) want=${1#*=} ;;
          --taskmanagers | -n) (( $# > 1 )) || usage_error "$1 needs a number" flink; want=$2; shift ;;
          *) usage_error "flink up: unknown argument '$1'" flink ;;
        esac
        shift
      done
      if ! [[ $want =~ ^[0-9]+$ ]] || (( want < 1 )); then
        usage_error "--taskmanagers needs a number >= 1, not '$want'" flink
      fi
      local start=$SECONDS
      with_lock do_flink_up "$want"
      say "flink is up in $((SECONDS - start))s: $(flink_describe)"
      ;;
    down) with_lock do_flink_down ;;
    status) flink_status "$@" ;;
    taskmanagers) flink_running_tm_ids | while read -r id; do
        echo "$id $(flink_pid "$(flink_tm "$id")") taskmanager-$id"
      done ;;
    add-taskmanager) with_lock do_flink_add_taskmanager ;;
    kill-taskmanager) (( $# == 1 )) || usage_error "flink kill-taskmanager takes one ID" flink
      with_lock do_flink_kill_taskmanager "$1" ;;
    logs) flink_logs "$@" ;;
    help | --help | -h) flink_usage ;;
    *) usage_error "unknown flink command '$sub'" flink ;;
  esac
}

# Local processes first (pid files), then what the REST API says (the Java CLI).
# Exit 3 when the JobManager or one of our TaskManagers is not up. With --json,
# stdout is only the REST API's JSON; the process lines go to stderr.
flink_status() {
  local pid id down=0 name answering=0 arg
  local lines=1  # the fd of the process lines
  for arg in "$@"; do
    case $arg in
      --json) lines=2 ;;
      --flinkRest=*) ;;
      *) usage_error "flink status: unknown argument '$arg'" flink ;;
    esac
  done
  {
    if pid=$(flink_pid "$FLINK_JM"); then
      if flink_jobmanager_ready; then
        answering=1
        printf '%-16s running (pid %s), answering at %s\n' jobmanager "$pid" "$(flink_rest)"
      else
        printf '%-16s running (pid %s), NOT answering at %s; log %s\n' jobmanager "$pid" "$(flink_rest)" "${SVC_LOG[$FLINK_JM]}"
        down=1
      fi
    else
      printf '%-16s down\n' jobmanager
      down=1
    fi
    for id in $(flink_tm_ids); do
      name=$(flink_tm "$id")
      if pid=$(flink_pid "$name"); then
        printf '%-16s running (pid %s)\n' "taskmanager-$id" "$pid"
      else
        printf '%-16s down (stale pid file; ./datalake flink up replaces it)\n' "taskmanager-$id"
        down=1
      fi
    done
  } >&"$lines"
  if (( answering )); then
    need java
    ensure_jar
    export_endpoints
    java_opts
    java "${JAVA_OPTS[@]}" -cp "$JAR" "$CLI_CLASS" flink status "$@" || down=1
  fi
  return $((down ? 3 : 0))
}

flink_logs() {
  local f
  shopt -s nullglob
  for f in "$FLINK_LOG_DIR"/*.log; do
    [[ -n ${1:-} && $(basename "$f" .log) != "$1" ]] && continue
    echo "==> $f <=="
    tail -n 30 "$f"
  done
}

flink_usage() {
  cat <<EOF
Usage: ./datalake flink COMMAND

A standalone Flink 1.19.0 session cluster on 127.0.0.1 (jars from Maven Central,
state in \$DATALAKE_HOME/flink: conf, log, checkpoints, savepoints):
  up [--taskmanagers N]  start the JobManager (REST and web UI on port $DATALAKE_FLINK_REST_PORT) and
                         TaskManagers (1 slot each) until N of ours run (default $DATALAKE_FLINK_TASKMANAGERS);
                         waits until all are registered
  down                   stop them all by PID (SIGTERM, SIGKILL after $DATALAKE_STOP_TIMEOUT s)
  status [--json]        processes, then TaskManagers, slots and running jobs from the REST
                         API; exit 3 if a process is down or the REST API does not answer
  taskmanagers           our running TaskManagers, one a line: ID PID RESOURCE_ID
  add-taskmanager        start one more TaskManager (a new ID) and wait until it registers
  kill-taskmanager ID    SIGKILL TaskManager ID (no graceful stop), to test recovery
  logs [NAME]            tail of the logs (NAME: jobmanager, taskmanager-ID)

Jobs: ./datalake run --runner=FlinkRunner --flinkMaster=127.0.0.1:$DATALAKE_FLINK_REST_PORT ...,
      ./datalake jobs, ./datalake stop JOB (see ./datalake help)
EOF
}

