#!/usr/bin/env bash
# Installs (Debian's packages) and starts a local PostgreSQL for the test suite's PostgreSQL leg,
# then prints the admin URL to export as LEADLINE_TEST_POSTGRES_URL. Needs root (as CI has).
set -euo pipefail

PASSWORD="${LEADLINE_TEST_POSTGRES_PASSWORD:-leadline-tests}"

if ! command -v pg_lsclusters >/dev/null || [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
  echo "postgres: installing from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

read -r version cluster port status _ < <(pg_lsclusters -h | head -n 1)
if [ "$status" != "online" ]; then
  echo "postgres: starting cluster $version/$cluster on port $port" >&2
  pg_ctlcluster "$version" "$cluster" start >&2
fi

# The tests connect over TCP with a password, as the services would.
su postgres -c "psql -q -p $port -c \"ALTER USER postgres PASSWORD '$PASSWORD'\"" >&2
echo "postgresql+asyncpg://postgres:$PASSWORD@127.0.0.1:$port/postgres"
