#!/usr/bin/env bash
# Checks that ./datalake leaves the machine as it found it and trusts only its own processes:
# - the policy-rc.d that the ClickHouse install adds is removed on every way out (apt-get update
#   failing, the install failing, the binary missing afterwards, SIGTERM), and one that was there
#   before is left alone;
# - a service counts as up only when its own pid listens and answers: another process answering
#   on its ports does not count;
# - a service that is starting (alive, its command line not yet the service's while it execs) is
#   waited for, and one that exits while starting is reported at once;
# - a wait's timeout does not count the time the machine stood still (a paused VM).
# Sources the launcher (which then defines its functions and runs nothing) with apt-get and
# apt-cache replaced by shims on PATH, and root's commands run as they are. Exit 0 when all pass.
# The single-quoted `bash -c` scripts below get their values as "$1"... on purpose.
# shellcheck disable=SC2016
set -uo pipefail
PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd -P)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
failures=0
pass() { echo "ok   $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

export DATALAKE_HOME=$WORK/home DATALAKE_POLICY_RC=$WORK/policy-rc.d
mkdir -p "$WORK/bin"
# Shims: each call notes whether the policy is in place; SHIM_* say how each command ends.
for cmd in apt-get apt-cache; do
  cat >"$WORK/bin/$cmd" <<SHIM
#!/usr/bin/env bash
echo "$cmd \$* policy=\$([[ -e $DATALAKE_POLICY_RC ]] && echo present || echo absent)" >>"$WORK/calls"
case "$cmd \${1:-}" in
  "apt-cache "*) exit \${SHIM_APT_CACHE:-1} ;;
  "apt-get update") [[ -n \${SHIM_SLEEP:-} ]] && sleep "\$SHIM_SLEEP"; exit \${SHIM_UPDATE:-0} ;;
  "apt-get "*) exit \${SHIM_INSTALL:-0} ;;
esac
SHIM
  chmod +x "$WORK/bin/$cmd"
done

# Runs clickhouse_install in a fresh shell that sourced the launcher; prints its exit code.
install_once() {
  env PATH="$WORK/bin:$PATH" "$@" bash -c '
    source "$1/datalake"
    clickhouse_bin() { return 1; }   # not installed, and still missing after a fake install
    as_root() { "$@"; }
    clickhouse_install' _ "$PROJECT" >>"$WORK/out" 2>&1
  echo $?
}

check_install() {  # name, env assignments...
  local name=$1
  shift
  rm -f "$WORK/calls" "$DATALAKE_POLICY_RC"
  local rc
  rc=$(install_once "$@")
  if [[ $rc != 0 ]] && [[ ! -e $DATALAKE_POLICY_RC ]] && grep -q 'policy=present' "$WORK/calls"; then
    pass "policy-rc.d in place during apt-get and removed after: $name (exit $rc)"
  else
    fail "policy-rc.d after: $name (exit $rc, policy $([[ -e $DATALAKE_POLICY_RC ]] && echo LEFT BEHIND || echo removed)); calls: $(tr '\n' ';' <"$WORK/calls" 2>/dev/null)"
  fi
}

check_install "apt-get update fails" SHIM_UPDATE=100
check_install "the install fails twice" SHIM_APT_CACHE=0 SHIM_INSTALL=100
check_install "installed but the binary is missing" SHIM_APT_CACHE=0

# SIGTERM to the launcher's whole process group (as a kill of the job or Ctrl-C would) while
# apt-get update runs.
rm -f "$WORK/calls" "$DATALAKE_POLICY_RC"
env PATH="$WORK/bin:$PATH" SHIM_SLEEP=30 setsid bash -c '
  source "$1/datalake"
  clickhouse_bin() { return 1; }
  as_root() { "$@"; }
  clickhouse_install' _ "$PROJECT" >>"$WORK/out" 2>&1 &
installer=$!
for _ in $(seq 100); do [[ -e $DATALAKE_POLICY_RC ]] && grep -q update "$WORK/calls" 2>/dev/null && break; sleep 0.1; done
kill -TERM -- "-$installer" 2>/dev/null
for _ in $(seq 50); do [[ -e $DATALAKE_POLICY_RC ]] || break; sleep 0.1; done
if [[ ! -e $DATALAKE_POLICY_RC ]]; then pass "policy-rc.d removed after SIGTERM during apt-get update"
else fail "policy-rc.d LEFT BEHIND after SIGTERM"; fi
wait "$installer" 2>/dev/null

# A policy the machine had before stays, unchanged.
printf '#!/bin/sh\nexit 0\n' >"$DATALAKE_POLICY_RC"
before=$(sha256sum <"$DATALAKE_POLICY_RC")
rm -f "$WORK/calls"
install_once SHIM_UPDATE=100 >/dev/null
if [[ -e $DATALAKE_POLICY_RC && $(sha256sum <"$DATALAKE_POLICY_RC") == "$before" ]]; then
  pass "a policy-rc.d that was there before is left as it was"
else
  fail "the machine's own policy-rc.d was changed or removed"
fi
rm -f "$DATALAKE_POLICY_RC"

# ---- a service is up only when its own pid listens and answers
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
DATALAKE_CLICKHOUSE_HTTP_PORT=$(free_port)
DATALAKE_CLICKHOUSE_TCP_PORT=$(free_port)
export DATALAKE_CLICKHOUSE_HTTP_PORT DATALAKE_CLICKHOUSE_TCP_PORT
cat >"$WORK/fake_clickhouse.py" <<'PY'
# Answers like ClickHouse's HTTP interface (/ping, SELECT 1) and holds its TCP port too.
import http.server, socket, sys, threading
http_port, tcp_port = int(sys.argv[1]), int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"Ok.\n" if self.path.startswith("/ping") else b"1\n"
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
tcp = socket.socket(); tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("127.0.0.1", tcp_port)); tcp.listen()
http.server.HTTPServer(("127.0.0.1", http_port), H).serve_forever()
PY
conf=$DATALAKE_HOME/clickhouse/config.xml
mkdir -p "$DATALAKE_HOME/run" "$(dirname "$conf")"
# "Ours" by its command line (it names our config), but it does not listen: a stranger does. One
# process (not a shell with a sleep child, which would outlive the kill and hold the output open).
python3 -c 'import time; time.sleep(300)' "$conf" &
ours=$!; PIDS+=("$ours")
python3 "$WORK/fake_clickhouse.py" "$DATALAKE_CLICKHOUSE_HTTP_PORT" "$DATALAKE_CLICKHOUSE_TCP_PORT" &
stranger=$!; PIDS+=("$stranger")
echo "$ours" >"$DATALAKE_HOME/run/clickhouse.pid"
for _ in $(seq 50); do curl -s "http://127.0.0.1:$DATALAKE_CLICKHOUSE_HTTP_PORT/ping" >/dev/null && break; sleep 0.1; done
verdict=$(bash -c 'source "$1/datalake"; pid=$(running_pid clickhouse) || { echo not-ours; exit; }
  clickhouse_ready && echo -n "port-answers " ; svc_answers clickhouse "$pid" && echo up || echo down' _ "$PROJECT")
if [[ $verdict == "port-answers down" ]]; then pass "another process answering on the ports does not make our service up"
else fail "a stranger on the port: got '$verdict', expected 'port-answers down'"; fi
status=$(bash "$PROJECT/datalake" status clickhouse 2>&1)
if [[ $status == *"NOT answering"* ]]; then pass "./datalake status says NOT answering"
else fail "./datalake status with a stranger on the port: $status"; fi
kill "$ours" "$stranger" 2>/dev/null; wait "$ours" "$stranger" 2>/dev/null
# Our own process listening and answering is up.
python3 "$WORK/fake_clickhouse.py" "$DATALAKE_CLICKHOUSE_HTTP_PORT" "$DATALAKE_CLICKHOUSE_TCP_PORT" "$conf" &
ours=$!; PIDS+=("$ours")
echo "$ours" >"$DATALAKE_HOME/run/clickhouse.pid"
for _ in $(seq 50); do curl -s "http://127.0.0.1:$DATALAKE_CLICKHOUSE_HTTP_PORT/ping" >/dev/null && break; sleep 0.1; done
verdict=$(bash -c 'source "$1/datalake"; pid=$(running_pid clickhouse) || { echo not-ours; exit; }
  svc_answers clickhouse "$pid" && echo up || echo down' _ "$PROJECT")
if [[ $verdict == up ]]; then pass "our own process listening and answering is up"
else fail "our own listener: got '$verdict', expected 'up'"; fi

# ---- a service that is starting is not taken for one that exited
# The process that start_process starts writes the pid file just before it execs the service, and
# while the kernel replaces a process's command line (at every exec) it reads as empty: a check in
# that moment found the process not ours, and `up` died with "exited while starting" while the
# service came up (once in a CI run). Here the moment is stretched to a second: the process is
# alive but does not name our config until it execs the service.
kill "$ours" 2>/dev/null
rm -f "$DATALAKE_HOME/run/clickhouse.pid"
for _ in $(seq 50); do curl -s "http://127.0.0.1:$DATALAKE_CLICKHOUSE_HTTP_PORT/ping" >/dev/null || break; sleep 0.1; done
out=$(DATALAKE_UP_TIMEOUT=20 FAKE="$WORK/fake_clickhouse.py" bash -c 'source "$1/datalake"
  export CONF=${SVC_CONF[clickhouse]}
  start_process clickhouse bash -c "sleep 1; exec python3 \"\$FAKE\" $DATALAKE_CLICKHOUSE_HTTP_PORT $DATALAKE_CLICKHOUSE_TCP_PORT \"\$CONF\""
  wait_until_ready clickhouse && echo ready' _ "$PROJECT" 2>&1)
pid=$(cat "$DATALAKE_HOME/run/clickhouse.pid" 2>/dev/null)
[[ $pid =~ ^[0-9]+$ ]] && PIDS+=("$pid") && kill "$pid" 2>/dev/null
if [[ $out == *ready ]]; then pass "a service is not called exited while it execs (1 s before it names our config)"
else fail "a starting service was called exited: ${out//$'\n'/ | }"; fi

# And one that does exit while starting is reported as such, at once.
SECONDS=0
out=$(DATALAKE_UP_TIMEOUT=20 bash -c 'source "$1/datalake"
  start_process clickhouse bash -c "exit 3" "${SVC_CONF[clickhouse]}"
  wait_until_ready clickhouse && echo ready' _ "$PROJECT" 2>&1)
if [[ $out == *"exited while starting"* ]] && (( SECONDS < 10 )); then pass "a service that exits while starting is reported at once ($SECONDS s)"
else fail "a service that exited while starting: after $SECONDS s: ${out//$'\n'/ | }"; fi

# ---- a wait does not count the seconds the machine stood still
# A paused VM's wall clock jumps ahead once it resumes; the up and stop timeouts count rounds
# that took longer than WAIT_STALL_SECONDS as one second. Here the jump is made by setting bash's
# SECONDS, which the waits read.
out=$(bash -c 'source "$1/datalake"
  waited_start; sleep 1.2; waited_tick; ran=$WAITED
  SECONDS=$((SECONDS + 210)); waited_tick
  echo "$ran $WAITED"' _ "$PROJECT" 2>&1)
if [[ ${out##*$'\n'} =~ ^([12])\ ([0-9]+)$ ]] && (( BASH_REMATCH[2] == BASH_REMATCH[1] + 1 )) &&
  [[ $out == *"clock jumped 21"*"counted as 1s"* ]]; then
  pass "a wait counts the seconds that passed, and a 210 s jump of the clock as 1 s"
else fail "a wait across a jump of the clock: ${out//$'\n'/ | }"; fi

if (( failures )); then
  echo "--- output of the installs:"; cat "$WORK/out"
  echo "$failures check(s) failed"; exit 1
fi
echo "all checks passed"
