#!/usr/bin/env bash
# Installs Dovecot's IMAP server from Debian's packages (dovecot-imapd) for the test suite's IMAP leg, when it is
# not there yet. The tests start their own instance with a throw-away configuration (tests/support/dovecot.py), so
# nothing is configured or started here. Needs root (as CI has).
set -euo pipefail

if [ -x /usr/sbin/dovecot ]; then
  exit 0
fi
echo "dovecot: installing dovecot-imapd from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq dovecot-imapd >&2
