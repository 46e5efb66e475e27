#!/usr/bin/env bash
# Installs Dovecot's IMAP server from Debian's packages (dovecot-imapd) for the test suite's IMAP leg and `make
# demo`'s mailbox, when it is not there yet: 2.3 on bookworm, 2.4 on trixie. Each starts its own instance with a
# throw-away configuration in the installed version's syntax (leadline.contracts.tooling.dovecot), so nothing is
# configured or started here. Needs root (as CI has).
set -euo pipefail

if [ -x /usr/sbin/dovecot ]; then
  exit 0
fi
echo "dovecot: installing dovecot-imapd from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq dovecot-imapd >&2
