# shellcheck shell=bash
# The single-quoted `bash -c` scripts below get their values as "$1"... on purpose.
# shellcheck disable=SC2016
# Sourced by ./datalake: generic service processes: pid files, start in their own session, wait,
# stop by PID (SIGTERM, then SIGKILL); and the jars fetched from Maven Central.

# ------------------------------------------------------ generic processes --

# Process $1 itself listens on TCP port $2: one of its file descriptors is a listening socket
# (state 0A in /proc/net/tcp[6]) bound to that port. Another process answering on the port does
# not count.
pid_listens() {
  local pid=$1 port=$2 hex inodes
  [[ $pid =~ ^[0-9]+$ && -d /proc/$pid/fd ]] || return 1
  printf -v hex '%04X' "$port"
  inodes=$(awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10 }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null | paste -sd '|' -)
  [[ -n $inodes ]] || return 1
  local fd
  for fd in "/proc/$pid/fd"/*; do
    [[ $(readlink "$fd" 2>/dev/null) =~ ^socket:\[($inodes)\]$ ]] && return 0
  done
  return 1
}

# Service $1, running as pid $2, is up: it answers, and the ports it answers on are its own.
svc_answers() {
  local svc=$1 pid=$2 var
  for var in ${SVC_PORT_VARS[$svc]}; do
    pid_listens "$pid" "${!var}" || return 1
  done
  "${svc}_ready"
}

pid_file() { echo "$RUN_DIR/$1.pid"; }
console_log() { echo "${SVC_CONSOLE[$1]:-${SVC_DIR[$1]}/log/console.log}"; }

pid_is_ours() {  # process $2 is alive and its command line names our config of service $1
  local svc=$1 pid=$2
  [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "${SVC_CONF[$svc]}"
}

pid_in_file() {  # prints the pid that service $1's pid file holds, fails if it holds none
  local pid
  pid=$(cat "$(pid_file "$1")" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] && echo "$pid"
}

running_pid() {  # prints the pid of our running service $1, fails if it is not running
  local svc=$1 pid
  pid=$(pid_in_file "$svc") || return 1
  pid_is_ours "$svc" "$pid" || return 1
  echo "$pid"
}

pid_alive() {  # process $1 exists and has not exited (a zombie has)
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# The process named by service $1's pid file is alive, whether running_pid knows it as ours yet or
# not: it writes the file just before it execs the service, and while the kernel replaces a
# process's command line (at every exec) the line reads as empty, so for that moment it is not
# "ours" though it is starting. Only for a wait right after a start.
starting_pid_alive() {
  local pid
  pid=$(pid_in_file "$1") && pid_alive "$pid"
}

# Starts "$@" as service $1 in its own session, detached from the terminal,
# output appended to <service dir>/log/console.log, pid into the pid file.
start_process() {
  local svc=$1
  shift
  local console pidf
  console=$(console_log "$svc")
  pidf=$(pid_file "$svc")
  mkdir -p "$(dirname "$console")" "$RUN_DIR"
  echo "--- $(date -u '+%Y-%m-%dT%H:%M:%SZ') starting: $*" >>"$console"
  # A background subshell that exec's setsid, which exec's a bash that records
  # its own pid and exec's the service: no shell lingers, and the pid file
  # names the service process even if setsid had to fork. fd 9 (the lock of
  # with_lock) is closed so that the service does not hold the lock.
  # umask 077: what the service writes (data, logs, checkpoints) is readable by us only.
  (
    cd "${SVC_DIR[$svc]}" || exit 1
    umask 077
    exec setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$pidf" "$@" \
      >>"$console" 2>&1 </dev/null 9>&-
  ) &
  for _ in $(seq 50); do [[ -s $pidf ]] && break; sleep 0.1; done
  [[ -s $pidf ]] || die "$svc: could not start; see $console"
}

show_log_tail() {  # last lines of service $1's logs, to stderr
  local svc=$1 f
  for f in "${SVC_LOG[$svc]}" "$(console_log "$svc")"; do
    [[ -s $f ]] || continue
    warn "last lines of $f:"
    tail -n 15 "$f" | sed 's/^/    /' >&2
  done
}

# A wait's clock: the seconds the machine ran since waited_start, not the wall clock's. A virtual
# machine paused for a snapshot or a migration moves the wall clock ahead in one jump once it
# resumes (this one is a Firecracker VM: in a CI run of 2026-12-04 it stood still 3.5 minutes while
# a TaskManager started, and `flink up` gave up on a cluster that registered three seconds later).
# A round of a wait loop takes a few seconds at most (its HTTP calls time out after 3 s), so a
# round longer than WAIT_STALL_SECONDS is the machine standing still: it counts as one second,
# which also keeps a wait whose every round is slow bounded.
WAIT_STALL_SECONDS=20
waited_start() { WAIT_LAST=$SECONDS; WAITED=0; }
waited_tick() {  # adds the seconds since the last tick to $WAITED
  local step=$((SECONDS - WAIT_LAST))
  WAIT_LAST=$SECONDS
  if (( step > WAIT_STALL_SECONDS )); then
    warn "the clock jumped ${step}s during one round of a wait (the machine stood still?); counted as 1s"
    step=1
  fi
  WAITED=$((WAITED + step))
}

wait_until_ready() {  # waits until service $1 answers; dies if it exits or times out
  local svc=$1 pid
  waited_start
  until pid=$(running_pid "$svc") && svc_answers "$svc" "$pid"; do
    waited_tick
    if ! running_pid "$svc" >/dev/null && ! starting_pid_alive "$svc"; then
      show_log_tail "$svc"
      die "$svc exited while starting; see ${SVC_LOG[$svc]} and ${SVC_DIR[$svc]}/log/console.log"
    fi
    if (( WAITED >= DATALAKE_UP_TIMEOUT )); then
      pid=$(pid_in_file "$svc")
      show_log_tail "$svc"
      die "$svc (pid $pid) did not answer within ${DATALAKE_UP_TIMEOUT}s (DATALAKE_UP_TIMEOUT); see ${SVC_LOG[$svc]} ('./datalake down $svc' stops it)"
    fi
    sleep 0.3
  done
}

# Fails, naming the port and its env var, when another process holds a port of service $1.
check_ports_free() {
  local svc=$1 var port holder
  for var in ${SVC_PORT_VARS[$svc]}; do
    port=${!var}
    if port_accepts "$port" || [[ -n $(port_listener "$port") ]]; then
      holder=$(port_listener "$port")
      die "$svc: port $port on 127.0.0.1 is already in use by another process${holder:+ ($holder)}; stop it or choose another port with $var=<port>"
    fi
  done
}

# SIGTERM to each running service of "$@", then waits for all; SIGKILL after the timeout.
stop_services() {
  local svc pid pidf
  local -A stopping=()
  for svc in "$@"; do
    pidf=$(pid_file "$svc")
    if pid=$(running_pid "$svc"); then
      say "stopping $svc (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      stopping[$svc]=$pid
    elif [[ -e $pidf ]]; then
      rm -f "$pidf"
      say "$svc was not running (removed stale pid file)"
    else
      say "$svc is not running"
    fi
  done
  local killed=0
  waited_start
  for svc in "${!stopping[@]}"; do
    pid=${stopping[$svc]}
    while pid_is_ours "$svc" "$pid"; do
      waited_tick
      if (( WAITED >= DATALAKE_STOP_TIMEOUT + 10 )); then
        die "$svc (pid $pid) survived SIGKILL"
      elif (( WAITED >= DATALAKE_STOP_TIMEOUT && ! killed )); then
        warn "$svc (pid $pid) still running ${DATALAKE_STOP_TIMEOUT}s after SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        killed=1
      fi
      sleep 0.2
    done
    killed=0
    rm -f "$(pid_file "$svc")"
    say "$svc stopped"
  done
}

# Copies the jars listed by it/services/$1/pom.xml into $LIB_DIR/$1 with the
# maven-dependency-plugin goal $2; skipped while that pom is unchanged.
fetch_jars() {
  local svc=$1 goal=$2 pom=$SERVICES_DIR/$1/pom.xml dir=$LIB_DIR/$1 stamp
  stamp=$(sha256sum <"$pom" | cut -c1-64)
  [[ -f $dir/.pom.sha256 && $(<"$dir/.pom.sha256") == "$stamp" ]] && return 0
  need mvn "Maven fetches the $svc jars"
  say "fetching the $svc jars from Maven Central into $dir"
  local log=$DATALAKE_HOME/log/fetch-$svc.log
  mkdir -p "$DATALAKE_HOME/log"
  rm -rf "$dir.tmp"
  if ! mvn -B -ntp -Dstyle.color=never -f "$pom" "dependency:$goal" -DoutputDirectory="$dir.tmp" >"$log" 2>&1; then
    tail -n 20 "$log" | sed 's/^/    /' >&2
    die "could not fetch the $svc jars; see $log"
  fi
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  echo "$stamp" >"$dir/.pom.sha256"
}

