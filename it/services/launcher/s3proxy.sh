# shellcheck shell=bash
# Sourced by ./datalake: S3Proxy (filesystem-backed): install, configure, start, ready.

# ------------------------------------------------------------------ S3Proxy --

s3proxy_install() {
  need java
  fetch_jars s3proxy copy
}

s3proxy_configure() {
  local dir=${SVC_DIR[s3proxy]}
  mkdir -p "$dir"/{data,log}
  render_template "$SERVICES_DIR/s3proxy/s3proxy.conf" "${SVC_CONF[s3proxy]}" \
    PORT="$DATALAKE_S3_PORT" ACCESS_KEY="$S3_ACCESS_KEY" SECRET_KEY="$S3_SECRET_KEY" DATA_DIR="$dir/data"
  # With the filesystem provider a bucket is a directory under the base dir.
  mkdir -p "$dir/data/$DATALAKE_S3_BUCKET"
}

s3proxy_start() {
  start_process s3proxy java -Xmx256m -Djava.awt.headless=true \
    -jar "$LIB_DIR/s3proxy/s3proxy.jar" --properties "${SVC_CONF[s3proxy]}"
}

s3proxy_ready() {  # any HTTP answer (unauthenticated requests get an S3 XML error)
  http_status "$DATALAKE_S3_PORT" / >/dev/null
}

s3proxy_describe() {
  echo "http://127.0.0.1:$DATALAKE_S3_PORT bucket $DATALAKE_S3_BUCKET, data ${SVC_DIR[s3proxy]}/data"
}

