# shellcheck shell=bash
# The single-quoted `bash -c` scripts below get their values as "$1"... on purpose.
# shellcheck disable=SC2016
# Sourced by ./datalake: the Kafka broker (KRaft, single node): install, configure, start, ready.

# -------------------------------------------------------------------- Kafka --

kafka_java() {  # java with the Kafka jars and our log4j2 config
  java -Dlog4j2.configurationFile="${SVC_DIR[kafka]}/log4j2.properties" \
    -cp "$LIB_DIR/kafka/*" "$@"
}

kafka_install() {
  need java
  fetch_jars kafka copy-dependencies
}

kafka_configure() {
  local dir=${SVC_DIR[kafka]}
  mkdir -p "$dir"/{data,log}
  render_template "$SERVICES_DIR/kafka/server.properties" "${SVC_CONF[kafka]}" \
    PORT="$DATALAKE_KAFKA_PORT" CONTROLLER_PORT="$DATALAKE_KAFKA_CONTROLLER_PORT" DATA_DIR="$dir/data"
  render_template "$SERVICES_DIR/kafka/log4j2.properties" "$dir/log4j2.properties" LOG_DIR="$dir/log"
  [[ -f $dir/data/meta.properties ]] && return 0
  # First start: format the KRaft storage once, with a cluster id kept for later.
  local log=$dir/log/format.log cluster_id
  if [[ ! -s $dir/cluster.id ]]; then
    kafka_java kafka.tools.StorageTool random-uuid >"$dir/cluster.id.tmp" 2>>"$log" ||
      die "kafka: could not generate a cluster id; see $log"
    mv "$dir/cluster.id.tmp" "$dir/cluster.id"
  fi
  cluster_id=$(<"$dir/cluster.id")
  say "formatting the Kafka storage (cluster id $cluster_id)"
  kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "${SVC_CONF[kafka]}" >>"$log" 2>&1 ||
    die "kafka: formatting the storage failed; see $log"
}

kafka_start() {
  start_process kafka java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dkafka.logs.dir="${SVC_DIR[kafka]}/log" \
    -Dlog4j2.configurationFile="${SVC_DIR[kafka]}/log4j2.properties" \
    -cp "$LIB_DIR/kafka/*" kafka.Kafka "${SVC_CONF[kafka]}"
}

# Ready = the broker answers a Kafka ApiVersions request (v0, correlation id 42)
# with error code 0: the protocol itself, spoken through bash's /dev/tcp.
kafka_ready() {
  local reply
  reply=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x00\x00\x00\x12\x00\x12\x00\x00\x00\x00\x00\x2a\x00\x08datalake" >&3
    head -c 10 <&3 | od -An -tx1' _ "$DATALAKE_KAFKA_PORT" 2>/dev/null) || return 1
  # 4 bytes of size, then correlation id 0x2a, then error code 0.
  [[ $reply == *" 00 00 00 2a 00 00" ]]
}

kafka_describe() {
  echo "bootstrap 127.0.0.1:$DATALAKE_KAFKA_PORT controller 127.0.0.1:$DATALAKE_KAFKA_CONTROLLER_PORT, data ${SVC_DIR[kafka]}/data"
}

