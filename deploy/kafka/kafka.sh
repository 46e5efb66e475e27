#!/usr/bin/env bash
# Local single-node Apache Kafka (KRaft: broker + controller in one JVM), run
# from the official jars on Maven Central. No Docker, no tarball download.
#
# Usage: deploy/kafka/kafka.sh install|start|launch|wait|stop|status
#
#   install  fetch the jars (deploy/kafka/pom.xml) into $LEADLINE_KAFKA_HOME/lib;
#            a no-op while the pom is unchanged
#   start    `launch`, then `wait`; a no-op if running
#   launch   install, render the config, format storage on first start, launch
#            the broker in the background without waiting for it (the nodes of
#            a cluster serve only once a majority of them runs)
#   wait     block until the broker serves clients, or fail with the log tail
#   stop     SIGTERM, SIGKILL after 30 s; fine if not running
#   status   print running/stopped; exit 0 if running, 3 if not
#
# Environment (all optional):
#   LEADLINE_KAFKA_HOME             jars (lib/) and default run/data dirs
#                                   [<repo>/.local/kafka]
#   LEADLINE_KAFKA_DATA             topic data + KRaft metadata; survives
#                                   stop/start [$LEADLINE_KAFKA_HOME/data]
#   LEADLINE_KAFKA_RUN              pid file, rendered config, logs
#                                   [$LEADLINE_KAFKA_HOME/run, or
#                                    $LEADLINE_KAFKA_DATA.run when only the
#                                    data dir was given]
#   LEADLINE_KAFKA_PORT             client port on 127.0.0.1 [9092]
#   LEADLINE_KAFKA_CONTROLLER_PORT  KRaft controller port on 127.0.0.1 [9093]
#   KAFKA_WAIT_SECONDS              deadline for `wait` (and `start`) [90]
#   LEADLINE_KAFKA_NODE_ID          this node's id [1]
#   LEADLINE_KAFKA_VOTERS           the KRaft controller quorum, id@host:port,...
#                                   [<node id>@127.0.0.1:<controller port>: alone]
#   LEADLINE_KAFKA_CLUSTER_ID       formats the data dir with this cluster id
#                                   [a random one]; every node of a cluster
#                                   needs the same
#   LEADLINE_KAFKA_REPLICATION_FACTOR  replicas of new and internal topics [1];
#                                   min.insync.replicas is one less (at least 1)
#   LEADLINE_KAFKA_SCRAM_USERNAME   with LEADLINE_KAFKA_SCRAM_PASSWORD: the client
#   LEADLINE_KAFKA_SCRAM_PASSWORD   listener speaks SASL_PLAINTEXT and admits only
#                                   this SCRAM-SHA-512 user, created when the data
#                                   dir is formatted (letters, digits, `._-` only)
#
# A second broker (e.g. for tests) shares the jars but needs its own ports and
# data dir: setting LEADLINE_KAFKA_DATA alone already moves the run dir beside
# it, so the two never share a pid file. A cluster (deploy/cluster.py) runs this
# script once per node, with node id, voters, cluster id and replication factor.
#
# Files in the run dir: server.properties (rendered), kafka.pid, server.log
# (log4j; the current run only, the previous one is server.log.prev) and
# kafka.out (JVM stdout/stderr, e.g. JVM start-up errors).
set -euo pipefail

KAFKA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$KAFKA_DIR/../.." && pwd)"

HOME_DIR="${LEADLINE_KAFKA_HOME:-$REPO_ROOT/.local/kafka}"
LIB_DIR="$HOME_DIR/lib"
if [[ -n "${LEADLINE_KAFKA_DATA:-}" ]]; then
  DATA_DIR="${LEADLINE_KAFKA_DATA%/}"
  RUN_DIR="${LEADLINE_KAFKA_RUN:-$DATA_DIR.run}"
else
  DATA_DIR="$HOME_DIR/data"
  RUN_DIR="${LEADLINE_KAFKA_RUN:-$HOME_DIR/run}"
fi
SCRAM_USERNAME="${LEADLINE_KAFKA_SCRAM_USERNAME:-}"
SCRAM_PASSWORD="${LEADLINE_KAFKA_SCRAM_PASSWORD:-}"
PORT="${LEADLINE_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${LEADLINE_KAFKA_CONTROLLER_PORT:-9093}"
WAIT_SECONDS="${KAFKA_WAIT_SECONDS:-90}"
NODE_ID="${LEADLINE_KAFKA_NODE_ID:-1}"
VOTERS="${LEADLINE_KAFKA_VOTERS:-$NODE_ID@127.0.0.1:$CONTROLLER_PORT}"
CLUSTER_ID="${LEADLINE_KAFKA_CLUSTER_ID:-}"
REPLICATION_FACTOR="${LEADLINE_KAFKA_REPLICATION_FACTOR:-1}"
# Writes need all but one replica: one broker may fail (or be restarted) without stopping them.
MIN_INSYNC_REPLICAS=$((REPLICATION_FACTOR > 1 ? REPLICATION_FACTOR - 1 : 1))

CONFIG="$RUN_DIR/server.properties"
PID_FILE="$RUN_DIR/kafka.pid"
LOG_FILE="$RUN_DIR/server.log"
OUT_FILE="$RUN_DIR/kafka.out"
POM="$KAFKA_DIR/pom.xml"

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# G1 as Kafka's own scripts use; the heap is small because this broker only
# carries development and test traffic.
JVM_OPTS=(-Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20
  -Djava.awt.headless=true)

log() { echo "kafka.sh: $*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=../lib/maven-jars.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/maven-jars.sh"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The pid alone is not trusted: after a reboot it may belong to another process.
running_pid() {
  local pid
  [[ -f "$PID_FILE" ]] || return 1
  pid="$(<"$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

show_logs() {
  local f
  for f in "$OUT_FILE" "$LOG_FILE"; do
    [[ -s "$f" ]] || continue
    log "---- last lines of $f ----"
    tail -n 40 "$f" >&2
  done
}

check_java() {
  command -v "$JAVA" >/dev/null || die "java not found (Kafka 4 needs Java 17+)"
  local major
  major="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)"
  [[ "${major:-0}" -ge 17 ]] || die "Java $major found; Kafka 4 needs Java 17+"
}

cmd_install() {
  install_jars "$POM" "$HOME_DIR" "the Kafka jars" || die "could not install the Kafka jars"
}

# The user and password end up inside a JAAS string and a --add-scram argument:
# keeping them to a plain alphabet spares quoting them for either.
check_scram() {
  [[ -z "$SCRAM_USERNAME$SCRAM_PASSWORD" ]] && return 0
  [[ "$SCRAM_USERNAME" =~ ^[A-Za-z0-9._-]+$ && "$SCRAM_PASSWORD" =~ ^[A-Za-z0-9._-]+$ ]] \
    || die "LEADLINE_KAFKA_SCRAM_USERNAME and _PASSWORD must both be set, of letters, digits and ._- only"
}

# Plain substitution of the placeholders, so paths may hold any character.
# shellcheck disable=SC2016  # the single-quoted ${...} are the literal placeholders
render_config() {
  local line protocol=PLAINTEXT
  [[ -n "$SCRAM_USERNAME" ]] && protocol=SASL_PLAINTEXT
  mkdir -p "$RUN_DIR"
  {
    while IFS= read -r line || [[ -n "$line" ]]; do
      line="${line//'${PORT}'/$PORT}"
      line="${line//'${CONTROLLER_PORT}'/$CONTROLLER_PORT}"
      line="${line//'${DATA_DIR}'/$DATA_DIR}"
      line="${line//'${CLIENT_PROTOCOL}'/$protocol}"
      line="${line//'${NODE_ID}'/$NODE_ID}"
      line="${line//'${VOTERS}'/$VOTERS}"
      line="${line//'${REPLICATION_FACTOR}'/$REPLICATION_FACTOR}"
      line="${line//'${MIN_INSYNC_REPLICAS}'/$MIN_INSYNC_REPLICAS}"
      printf '%s\n' "$line"
    done <"$KAFKA_DIR/server.properties.template"
    if [[ -n "$SCRAM_USERNAME" ]]; then
      # The broker talks to itself on the client listener too, so it logs in as the same user.
      printf '%s\n' "" "# SASL/SCRAM on the client listener (LEADLINE_KAFKA_SCRAM_USERNAME)." \
        "sasl.enabled.mechanisms=SCRAM-SHA-512" \
        "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512" \
        "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$SCRAM_USERNAME\" password=\"$SCRAM_PASSWORD\";"
    fi
  } >"$CONFIG"
}

# Only on first start: formatting writes meta.properties (with the cluster id)
# and the KRaft bootstrap metadata; a formatted dir must never be formatted again.
format_storage() {
  [[ -f "$DATA_DIR/meta.properties" ]] && return 0
  mkdir -p "$DATA_DIR"
  local cluster_id="$CLUSTER_ID"
  [[ -n "$cluster_id" ]] \
    || cluster_id="$("$JAVA" -cp "$LIB_DIR/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
  [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid gave '$cluster_id'"
  log "formatting $DATA_DIR (cluster id $cluster_id)"
  # No --standalone: that flag is for controller.quorum.bootstrap.servers and
  # is rejected together with controller.quorum.voters (see the template).
  "$JAVA" -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.yaml" -Dkafka.logs.dir="$RUN_DIR" \
    -Dkafka.log.file=format.log -cp "$LIB_DIR/*" kafka.tools.StorageTool format --cluster-id="$cluster_id" -c "$CONFIG" \
    ${SCRAM_USERNAME:+--add-scram "SCRAM-SHA-512=[name=$SCRAM_USERNAME,password=$SCRAM_PASSWORD]"} >&2 \
    || die "formatting $DATA_DIR failed"
}

cmd_start() {
  cmd_launch
  cmd_wait
}

cmd_launch() {
  running_pid >/dev/null && return 0
  check_java
  check_scram
  cmd_install
  # Fail fast instead of letting the broker die on a bind error later.
  local p
  for p in "$PORT" "$CONTROLLER_PORT"; do
    port_open "$p" && die "port $p on 127.0.0.1 is already in use"
  done
  render_config
  format_storage

  # `wait` looks for the start-up line in server.log: it must not see the one
  # of the previous run.
  [[ -f "$LOG_FILE" ]] && mv -f "$LOG_FILE" "$LOG_FILE.prev"
  : >"$OUT_FILE"
  rm -f "$PID_FILE"
  log "starting node $NODE_ID on 127.0.0.1:$PORT (controller $CONTROLLER_PORT, data $DATA_DIR)"
  # Own session, so the broker outlives this script and is not hit by the
  # Ctrl-C or group kill meant for whoever called it; it records its own pid
  # (setsid may fork, so $! would not be the JVM).
  # shellcheck disable=SC2016
  setsid nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PID_FILE" \
    "$JAVA" "${JVM_OPTS[@]}" \
    -Dlog4j2.configurationFile="$KAFKA_DIR/log4j2.yaml" -Dkafka.logs.dir="$RUN_DIR" \
    -cp "$LIB_DIR/*" kafka.Kafka "$CONFIG" \
    </dev/null >"$OUT_FILE" 2>&1 &
  local i
  for ((i = 0; i < 50; i++)); do
    [[ -s "$PID_FILE" ]] && break
    sleep 0.1
  done
}

cmd_wait() {
  local deadline=$((SECONDS + WAIT_SECONDS)) pid=""
  [[ -s "$PID_FILE" ]] || die "not started (no $PID_FILE)"
  while ((SECONDS < deadline)); do
    if ! pid="$(running_pid)"; then
      show_logs
      die "broker exited during start-up"
    fi
    # The port opens before the broker has caught up with the metadata log;
    # this line is logged only once it is unfenced and serving.
    if port_open "$PORT" && grep -q 'Kafka Server started' "$LOG_FILE" 2>/dev/null; then
      log "ready on 127.0.0.1:$PORT (pid $pid)"
      return 0
    fi
    sleep 0.2
  done
  show_logs
  die "broker not ready on 127.0.0.1:$PORT after ${WAIT_SECONDS}s"
}

cmd_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local i
  # Controlled shutdown flushes logs and checkpoints; give it time.
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "no exit after 30 s; killing pid $pid"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running (pid $pid, 127.0.0.1:$PORT)"
  else
    echo "stopped"
    return 3
  fi
}

case "${1:-}" in
  install) check_java; cmd_install ;;
  start) cmd_start ;;
  launch) cmd_launch ;;
  wait) cmd_wait ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 install|start|launch|wait|stop|status" >&2
    exit 2
    ;;
esac
