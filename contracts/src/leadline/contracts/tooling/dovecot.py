"""A throw-away IMAP server for developer tooling: Dovecot from Debian's packages (dovecot-imapd), started with a
configuration of its own — its own ports, directories and users, no privileges (as root it runs as `nobody`) — and
stopped at the end. `make demo` plays a shared mailbox on one; the IMAP connector's tests run against one.

Dovecot 2.4 (Debian trixie) reads a configuration syntax of its own, which 2.3 (bookworm) does not: the configuration
is written for the version installed."""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DOVECOT = "/usr/sbin/dovecot"
NOT_INSTALLED = (
    f"Dovecot is not installed ({DOVECOT}); `apt-get install dovecot-imapd` (or `bash deploy/mail/install-dovecot.sh`) "
    "installs it"
)
# Every user name logs in with it, into a mailbox of its own.
PASSWORD = "leadline-imap-tests"
START_SECONDS = 20


def available() -> bool:
    return Path(DOVECOT).is_file()


def parse_version(reported: str) -> tuple[int, int]:
    """Major and minor of what ``dovecot --version`` prints (``2.3.19.1 (9b53102964)``, ``2.4.1-4 (7d8c0e5759)``)."""
    match = re.match(r"\s*(\d+)\.(\d+)", reported)
    if match is None:
        raise ValueError(f"not a Dovecot version: {reported!r}")
    return int(match[1]), int(match[2])


def installed_version() -> tuple[int, int]:
    return parse_version(subprocess.run([DOVECOT, "--version"], capture_output=True, text=True, check=True).stdout)


def configuration(
    version: tuple[int, int], *, root: Path, port: int, tls_port: int, user: str, group: str, password: str
) -> str:
    """dovecot.conf for one instance under ``root``: plain IMAP (with STARTTLS) on ``port``, implicit TLS on
    ``tls_port`` with ``root``/cert.pem and key.pem, any user name logging in with ``password`` into a Maildir of its
    own under ``root``/home, every process running as ``user``:``group``."""
    values = {"root": root, "port": port, "tls_port": tls_port, "user": user, "group": group, "password": password}
    specific = _SINCE_2_4 if version >= (2, 4) else _UNTIL_2_4
    return specific.format(common=_COMMON.format(**values), **values) + _SERVICES.format(**values)


# The settings both versions read alike.
_COMMON = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = leadline-{port}
protocols = imap
listen = 127.0.0.1
log_path = {root}/log/dovecot.log
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
auth_mechanisms = plain login
ssl = yes
"""

_UNTIL_2_4 = """\
{common}\
disable_plaintext_auth = no
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
"""

# 2.4 wants the two versions first; settings renamed, passdb and userdb named by their driver, %{...} variables only.
_SINCE_2_4 = """\
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
{common}\
auth_allow_cleartext = yes
ssl_server_cert_file = {root}/cert.pem
ssl_server_key_file = {root}/key.pem
passdb static {{
  password = {password}
}}
userdb static {{
  fields {{
    uid = {user}
    gid = {group}
    home = {root}/home/%{{user}}
  }}
}}
mail_driver = maildir
mail_path = %{{home}}/Maildir
"""

# No chroot: the directories are the instance's own, and an unprivileged Dovecot could not chroot anyway.
_SERVICES = """\
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    """One Dovecot instance: plain IMAP (with STARTTLS) on ``port``, implicit TLS on ``tls_port``; the certificate
    is ``ca_file``'s, for the name ``localhost``."""

    root: Path
    port: int
    tls_port: int
    ca_file: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def _as_root(self) -> bool:
        return os.geteuid() == 0

    def start(self) -> None:
        for directory in ("run", "state", "home", "log"):
            (self.root / directory).mkdir(exist_ok=True)
        user, group = ("nobody", "nogroup") if self._as_root else (_me(), _my_group())
        (self.root / "dovecot.conf").write_text(
            configuration(
                installed_version(),
                root=self.root,
                port=self.port,
                tls_port=self.tls_port,
                user=user,
                group=group,
                password=PASSWORD,
            )
        )
        if self._as_root:
            subprocess.run(["chown", "-R", f"{user}:{group}", str(self.root)], check=True)
        self.process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(self.root / "dovecot.conf")],
            user=user if self._as_root else None,
            group=group if self._as_root else None,
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "log" / "stderr").open("wb"),
        )
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                imaplib.IMAP4("127.0.0.1", self.port, timeout=2).logout()
                return
            except OSError:
                pass
            try:
                self.process.wait(timeout=0.1)  # the pause between tries, ended at once should it exit
            except subprocess.TimeoutExpired:
                if time.monotonic() < deadline:
                    continue
            logs = " ".join(path.read_text() for path in (self.root / "log").iterdir())
            raise RuntimeError(f"Dovecot did not start on 127.0.0.1:{self.port}: {logs}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def client(self, user: str) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(user, PASSWORD)
        return imap


def _me() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def _my_group() -> str:
    return grp.getgrgid(os.getegid()).gr_name


def self_signed(directory: Path) -> Path:
    """A key and a self-signed certificate for ``localhost`` (cert.pem, key.pem); the certificate is its own CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return directory / "cert.pem"


@contextlib.contextmanager
def running(port: int, tls_port: int) -> Iterator[Dovecot]:
    """A Dovecot in a directory of its own (a temporary one: not under a caller's, which `nobody` may not enter)."""
    root = Path(tempfile.mkdtemp(prefix="leadline-dovecot-"))
    server = Dovecot(root, port, tls_port, self_signed(root))
    try:
        server.start()
        yield server
    finally:
        server.stop()
