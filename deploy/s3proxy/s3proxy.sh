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
LIB_DIR="$HOME_DIR/lib"
POM="$S3PROXY_DIR/pom.xml"
MARKER="$LIB_DIR/.pom.sha256"

log() { echo "s3proxy.sh: $*" >&2; }
die() { log "$*"; exit 1; }

cmd_install() {
  local want
  want="$(sha256sum "$POM" | cut -d' ' -f1)"
  [[ "$(cat "$MARKER" 2>/dev/null)" == "$want" ]] && return 0

  command -v mvn >/dev/null || die "mvn not found; needed once to fetch the S3Proxy jar"
  mkdir -p "$HOME_DIR"
  # Two worktrees' installs, or an install and a test run, may meet here.
  exec 9>"$HOME_DIR/.install.lock"
  flock 9
  if [[ "$(cat "$MARKER" 2>/dev/null)" != "$want" ]]; then
    log "fetching the S3Proxy jar into $LIB_DIR"
    # Into a fresh folder, swapped in whole: the jar of an older pom must not stay beside the new one.
    local tmp="$HOME_DIR/lib.tmp"
    rm -rf "$tmp"
    if ! mvn -B -q -Dstyle.color=never -f "$POM" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$HOME_DIR/install.log" 2>&1; then
      cat "$HOME_DIR/install.log" >&2
      die "maven could not fetch the S3Proxy jar"
    fi
    echo "$want" >"$tmp/.pom.sha256"
    rm -rf "$LIB_DIR"
    mv "$tmp" "$LIB_DIR"
  fi
  exec 9>&-
}

case "${1:-}" in
  install) cmd_install ;;
  *)
    echo "usage: $0 install" >&2
    exit 2
    ;;
esac
