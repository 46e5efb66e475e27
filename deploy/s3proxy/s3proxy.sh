#!/usr/bin/env bash
# S3Proxy, a real S3 API server on a directory, for the tests of the S3 blob store: run from its jar on Maven
# Central, fetched like the Kafka jars. The tests start their own instance (tests/support/s3proxy.py), so nothing is
# configured or started here.
#
# Usage: deploy/s3proxy/s3proxy.sh install
#
#   install  fetch the jar (deploy/s3proxy/pom.xml) into $LEADLINE_S3PROXY_HOME/lib; a no-op while the pom is
#            unchanged
#
# Environment (optional):
#   LEADLINE_S3PROXY_HOME  where lib/ is kept [<repo>/.local/s3proxy]
set -euo pipefail

S3PROXY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$S3PROXY_DIR/../.." && pwd)"
HOME_DIR="${LEADLINE_S3PROXY_HOME:-$REPO_ROOT/.local/s3proxy}"
POM="$S3PROXY_DIR/pom.xml"

log() { echo "s3proxy.sh: $*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=../lib/maven-jars.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/maven-jars.sh"

cmd_install() {
  install_jars "$POM" "$HOME_DIR" "the S3Proxy jar" || die "could not install the S3Proxy jar"
}

case "${1:-}" in
  install) cmd_install ;;
  *)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
