"""A real IMAP server for the tests: Dovecot from Debian's packages (dovecot-imapd; `.ci/run` installs it), started
with a throw-away configuration of its own — its own ports, directories and users, no privileges (as root it runs
as `nobody`) — and stopped at the end. Where it is not installed, the tests that need it are skipped, saying so."""

from __future__ import annotations

import grp
import imaplib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DOVECOT = "/usr/sbin/dovecot"
SKIP_REASON = (
    f"IMAP leg skipped: Dovecot is not installed ({DOVECOT}); `apt-get install dovecot-imapd` "
    "(or `bash deploy/mail/install-dovecot.sh`, as .ci/run does) enables it"
)
PASSWORD = "leadline-imap-tests"


def available() -> bool:
    return Path(DOVECOT).is_file()


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
            _CONFIG.format(
                root=self.root, port=self.port, tls_port=self.tls_port, user=user, group=group, password=PASSWORD
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
        deadline = time.monotonic() + 20
        while True:
            try:
                imaplib.IMAP4("127.0.0.1", self.port, timeout=2).logout()
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    logs = [path.read_text() for path in (self.root / "log").iterdir()]
                    raise RuntimeError(f"Dovecot did not start: {' '.join(logs)}") from None
                time.sleep(0.1)  # a process we do not control; the deadline bounds it

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


_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
instance_name = leadline-test-{port}
protocols = imap
listen = 127.0.0.1
log_path = {root}/log/dovecot.log
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
disable_plaintext_auth = no
auth_mechanisms = plain login
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
# Every user name logs in with PASSWORD, into a mailbox of its own: each test takes a new name.
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
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


def self_signed(directory: Path) -> Path:
    """A key and a self-signed certificate for ``localhost`` (cert.pem, key.pem); the certificate is its own CA."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

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


def running(port: int, tls_port: int) -> Iterator[Dovecot]:
    """A Dovecot in a directory of its own (not under pytest's, which `nobody` may not enter)."""
    root = Path(tempfile.mkdtemp(prefix="leadline-dovecot-"))
    ca_file = self_signed(root)
    server = Dovecot(root, port, tls_port, ca_file)
    server.start()
    try:
        yield server
    finally:
        server.stop()
