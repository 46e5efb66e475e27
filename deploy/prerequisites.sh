#!/usr/bin/env bash
# What `make install`, `make run`, `make test` and CI need from the machine besides Python packages: Python
# 3.11+ with its venv module (the virtualenv), Java 17+ (the local Kafka broker) and Maven (Kafka's jars from
# Maven Central). Run as root on Debian, it installs what is missing from Debian's packages; otherwise it
# stops at once naming the exact command to run. PYTHON names the interpreter (default python3).
set -euo pipefail

PYTHON="${PYTHON:-python3}"

fail() {
  echo "prerequisites: $*" >&2
  exit 1
}

java_major() {
  local version
  version="$(java -version 2>&1 || true)"
  if [[ $version =~ version\ \"1\.([0-9]+) ]]; then # Java 8 and older: "1.8.0_392"
    echo "${BASH_REMATCH[1]}"
  elif [[ $version =~ version\ \"([0-9]+) ]]; then
    echo "${BASH_REMATCH[1]}"
  else
    echo 0
  fi
}

# The first Java runtime of at least 17 that Debian's package lists offer (bookworm: 17, trixie: 21).
java_package() {
  local package
  for package in openjdk-17-jre-headless openjdk-21-jre-headless openjdk-25-jre-headless; do
    if command -v apt-cache >/dev/null && apt-cache policy "$package" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
      echo "$package"
      return
    fi
  done
  echo openjdk-17-jre-headless
}

missing_packages() {
  local packages=()
  if ! command -v java >/dev/null || [ "$(java_major)" -lt 17 ]; then
    packages+=("$(java_package)")
  fi
  command -v mvn >/dev/null || packages+=(maven)
  "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
    || packages+=("$("$PYTHON" -c 'import sys; print(f"python3.{sys.version_info.minor}-venv")')")
  echo "${packages[@]}"
}

command -v "$PYTHON" >/dev/null || fail "Python 3.11 or newer is needed and $PYTHON is not there: install python3 (Debian: apt-get install -y python3)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || fail "Python 3.11 or newer is needed; $PYTHON is $("$PYTHON" -c 'import sys; print(sys.version.split()[0])') (set PYTHON=python3.11 or newer)"

read -r -a packages <<<"$(missing_packages)"
[ ${#packages[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  fail "missing ${packages[*]}; install them with: sudo apt-get install -y ${packages[*]}"
fi
echo "prerequisites: installing ${packages[*]} from Debian's packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
read -r -a packages <<<"$(missing_packages)" # the lists are current now: the Java package may be another
apt-get install -y -qq "${packages[@]}"
read -r -a still <<<"$(missing_packages)"
[ ${#still[@]} -eq 0 ] || fail "still missing after installing: ${still[*]}"
