# shellcheck shell=bash
# Sourced by ./datalake: building and testing: test, chaos, the bundled jar, bench, the Java CLI.

TEST_STARTED=()
FLINK_RUNNING_BEFORE_TEST=
test_cleanup() {
  # FlinkClusterIT starts the Flink cluster and stops it; if the test JVM died first, do it here.
  if [[ -z $FLINK_RUNNING_BEFORE_TEST ]] && flink_pid "$FLINK_JM" >/dev/null 2>&1; then
    say "stopping the Flink cluster the tests left running"
    with_lock do_flink_down || warn "could not stop the Flink cluster; ./datalake flink down"
  fi
  (( ${#TEST_STARTED[@]} )) || return 0
  say "stopping the services this test run started: ${TEST_STARTED[*]}"
  with_lock stop_services "${TEST_STARTED[@]}" || warn "could not stop all of: ${TEST_STARTED[*]}"
}

cmd_test() {
  need mvn
  launcher_shellcheck
  local svc
  for svc in "${ALL_SERVICES[@]}"; do
    running_pid "$svc" >/dev/null || TEST_STARTED+=("$svc")
  done
  if flink_pid "$FLINK_JM" >/dev/null 2>&1; then FLINK_RUNNING_BEFORE_TEST=1; fi
  trap test_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  cmd_up
  chdb_install
  promtool_install
  chromium_install
  export_endpoints
  local rc=0
  # The S3 keys reach the tests as DATALAKE_S3_ACCESS_KEY/SECRET_KEY in the environment
  # (export_endpoints), not as -D options that the process list would show.
  (cd "$PROJECT_DIR" && mvn -B -ntp verify \
    -Ddatalake.kafka.bootstrap="$DATALAKE_KAFKA_BOOTSTRAP" \
    -Ddatalake.s3.endpoint="$DATALAKE_S3_ENDPOINT" \
    -Ddatalake.s3.region="$DATALAKE_S3_REGION" \
    -Ddatalake.s3.bucket="$DATALAKE_S3_BUCKET" \
    -Ddatalake.clickhouse.url="$DATALAKE_CLICKHOUSE_URL" \
    -Ddatalake.postgres.url="$DATALAKE_POSTGRES_URL" \
    -Ddatalake.home="$DATALAKE_HOME" \
    -Ddatalake.chdb.dir="$(chdb_dir)" \
    -Ddatalake.promtool="$(promtool_path)" \
    -Ddatalake.chromium="$(command -v chromium)" \
    "$@") || rc=$?
  exit "$rc"
}

# promtool, which checks ops/prometheus (OpsFilesTest), unpacked from Debian's prometheus package
# into $DATALAKE_HOME/promtool (one static binary) instead of installing the package: that would
# also install Prometheus' server, which starts on port 9090 (the S3Proxy's default) where a
# service manager runs.
promtool_path() {
  if [[ -x $DATALAKE_HOME/promtool/usr/bin/promtool ]]; then
    echo "$DATALAKE_HOME/promtool/usr/bin/promtool"
  else
    command -v promtool || true
  fi
}

promtool_install() {
  [[ -n $(promtool_path) ]] && return 0
  need apt-get "promtool comes from Debian's prometheus package"
  local dir=$DATALAKE_HOME/promtool log=$DATALAKE_HOME/log/apt-promtool.log debs
  mkdir -p "$dir" "$DATALAKE_HOME/log"
  say "fetching promtool from Debian's prometheus package (apt-get download; log: $log)"
  if ! (cd "$dir" && apt-get download prometheus) >>"$log" 2>&1; then
    # Stale package lists (404): refresh once and retry.
    if ! as_root apt-get update -q >>"$log" 2>&1 || ! (cd "$dir" && apt-get download prometheus) >>"$log" 2>&1; then
      die "could not download Debian's prometheus package; see $log"
    fi
  fi
  debs=("$dir"/prometheus_*.deb)
  dpkg-deb -x "${debs[0]}" "$dir" >>"$log" 2>&1 || die "could not unpack ${debs[0]}; see $log"
  rm -f "$dir"/prometheus_*.deb
  [[ -x $dir/usr/bin/promtool ]] || die "no usr/bin/promtool in Debian's prometheus package; see $log"
}

# Debian's chromium, the headless browser StatusPageIT loads the status page in (~300 MB with its
# libraries), installed with apt-get as clickhouse-server is.
chromium_install() {
  have chromium || apt_install chromium "StatusPageIT loads the status page in Debian's chromium" chromium
}

# The long fault cases (*ChaosIT: ClickHouse frozen for 5 minutes, ...), which `test` leaves out:
# the same services and endpoints as `test`, the it module only, no unit tests.
cmd_chaos() {
  cmd_test -pl it -am -Dit.test='*ChaosIT' -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dfailsafe.failIfNoSpecifiedTests=false "$@"
}

jar_is_stale() {  # a jar missing, or older than a pom.xml or a file under {options,transforms,pipelines}/src
  [[ -f $JAR && -f $CLUSTER_JAR ]] || return 0
  local inputs=() p
  for p in "$PROJECT_DIR"/pom.xml "$PROJECT_DIR"/*/pom.xml "$PROJECT_DIR"/{options,transforms,pipelines}/src; do
    [[ -e $p ]] && inputs+=("$p")
  done
  (( ${#inputs[@]} )) && [[ -n $(find "${inputs[@]}" -type f -newer "$JAR" -print -quit) ]]
}

ensure_jar() {
  jar_is_stale || return 0
  need mvn
  say "building ${JAR#"$PROJECT_DIR"/} (mvn package -pl pipelines -am)"
  mvn_build -DskipTests -pl pipelines -am package
  [[ -f $JAR && -f $CLUSTER_JAR ]] || die "the build succeeded but made no $JAR or no $CLUSTER_JAR"
  touch "$JAR" "$CLUSTER_JAR"  # an up-to-date jar that Maven did not rewrite is still fresh
}

# Runs mvn "$@" in the project, its whole output in $DATALAKE_HOME/log/build.log, and prints
# progress instead of minutes of silence on a first build: a line per module as the reactor
# reaches it, and one per slow step (compiling, bundling the jars). On failure: the log's tail.
readonly MVN_STEP='^\[INFO\] --- [a-z-]*(compiler|shade)[a-z-]*:[^ ]*:(compile|shade) \(([^)]*)\) @ ([^ ]*)'
mvn_build() {
  local log=$DATALAKE_HOME/log/build.log line rc=0 module=
  mkdir -p "$DATALAKE_HOME/log"
  : >"$log"
  (cd "$PROJECT_DIR" && mvn -B -ntp -Dstyle.color=never "$@" 2>&1) | while IFS= read -r line; do
    printf '%s\n' "$line" >>"$log"
    if [[ $line =~ ^\[INFO\]\ Building\ (.*[^ ])\ +\[([0-9]+/[0-9]+)\]$ ]]; then
      module=${BASH_REMATCH[1]% *}
      say "  [${BASH_REMATCH[2]}] $module"
    elif [[ $line =~ $MVN_STEP ]]; then
      say "        ${BASH_REMATCH[2]} ${BASH_REMATCH[4]} (${BASH_REMATCH[3]})"
    fi
  done || rc=$?
  if (( rc != 0 )); then
    grep -E '^\[ERROR\]' "$log" | head -n 20 | sed 's/^/    /' >&2 || tail -n 20 "$log" | sed 's/^/    /' >&2
    die "the build failed (mvn $*); see $log"
  fi
}

# Lints every file of the launcher (and the tests' scripts) with shellcheck, installed with apt-get, as
# clickhouse-server is, when missing. Part of ./datalake test: a warning fails the run.
launcher_shellcheck() {
  have shellcheck || apt_install shellcheck "shellcheck comes from Debian's shellcheck package" shellcheck
  # Each file on its own: shellcheck reports nothing about a file it only follows from a source.
  local files=("$PROJECT_DIR/datalake" "$LAUNCHER_DIR"/*.sh "$PROJECT_DIR"/it/src/test/sh/*.sh "$PROJECT_DIR/.ci/run")
  (cd "$PROJECT_DIR" && shellcheck --external-sources --source-path=SCRIPTDIR "${files[@]}") ||
    die "shellcheck found problems in the launcher (above)"
  say "shellcheck: the launcher (datalake and $(find "$LAUNCHER_DIR" -name '*.sh' | wc -l) sourced files) and the test scripts are clean"
}

# The Java CLI runs the embedded Flink: on Java 17 its Kryo reads private fields of java.util when
# a checkpoint holds an operator's list state (the Iceberg committer's buffered files). java -jar
# takes these from the bundled jar's manifest (Add-Opens); -cp does not, so they are given here.
java_opts() {
  read -ra JAVA_OPTS <<<"$DATALAKE_JAVA_OPTS"
  JAVA_OPTS+=("--add-opens=java.base/java.util=ALL-UNNAMED" "--add-opens=java.base/java.lang=ALL-UNNAMED")
  JAVA_OPTS+=("-Ddatalake.project.dir=$PROJECT_DIR" "-Ddatalake.home=$DATALAKE_HOME")
}

readonly BENCH_CLASSES=$PROJECT_DIR/it/target/classes
readonly BENCH_STAMP=$BENCH_CLASSES/.bench-built
readonly BENCH_CLASS=io.datalake.bench.Benchmark

bench_is_stale() {  # the jar is stale, or the it module's main classes are missing or older than their sources
  jar_is_stale && return 0
  [[ -f $BENCH_STAMP ]] || return 0
  [[ -n $(find "$PROJECT_DIR/it/pom.xml" "$PROJECT_DIR/it/src/main" -type f -newer "$BENCH_STAMP" -print -quit 2>/dev/null) ]]
}

# ./datalake bench: builds the it module (and the pipeline jar it runs), then runs the benchmark
# with the local services' endpoints; every measured run is a child JVM it starts and stops.
cmd_bench() {
  need java
  if bench_is_stale; then
    need mvn
    say "building the benchmark (mvn package -pl it -am)"
    mvn_build -DskipTests -pl it -am package
    [[ -f $JAR ]] || die "the build succeeded but made no $JAR"
    touch "$JAR" "$BENCH_STAMP"
  fi
  export_endpoints
  # datalake.home: the services' pid files, whose CPU time each run reports (ProcessCpu).
  exec java -Xmx1g -Ddatalake.project.dir="$PROJECT_DIR" -Ddatalake.home="$DATALAKE_HOME" \
    -Dorg.slf4j.simpleLogger.log.org.apache.kafka=warn -Dorg.slf4j.simpleLogger.log.software.amazon=warn \
    -cp "$BENCH_CLASSES:$JAR" "$BENCH_CLASS" \
    --kafka="$DATALAKE_KAFKA_BOOTSTRAP" --clickhouse="$DATALAKE_CLICKHOUSE_URL" \
    --s3-endpoint="$DATALAKE_S3_ENDPOINT" --s3-bucket="$DATALAKE_S3_BUCKET" --s3-region="$DATALAKE_S3_REGION" "$@"
}

cmd_java() {  # a command of the Java CLI
  need java
  ensure_jar
  export_endpoints
  java_opts
  exec java "${JAVA_OPTS[@]}" -cp "$JAR" "$CLI_CLASS" "$@"
}

