"""deploy/prerequisites.sh on machines that lack Java, Maven or Python's venv: as root it installs them from
Debian's packages, otherwise it stops at once naming the exact command. The machine is played by stub
commands on a PATH of their own (the real java and mvn of this machine must not be found)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.repo_layout import REPO

SCRIPT = REPO / "deploy" / "prerequisites.sh"

PYTHON_WITH_VENV = """#!/bin/bash
case "$*" in
  *"import venv, ensurepip"*) exit {venv_exit} ;;
  *python3.*-venv*) echo python3.11-venv ;;
  *version_info\\ \\<*) exit 0 ;;
esac
"""

# apt-get install "installs" a package by putting its command on the PATH; calls are logged.
APT_GET = """#!/bin/bash
echo "apt-get $*" >> "$STUBS/apt.log"
[ "$1" = install ] || exit 0
for package in "$@"; do
  case "$package" in
    openjdk-*) echo "echo 'openjdk version \\"17.0.9\\" 2023-10-17' >&2" > "$STUBS/java" ;;
    maven) echo "" > "$STUBS/mvn" ;;
    python3.11-venv) echo "" > "$STUBS/venv-installed" ;;
  esac
done
chmod +x "$STUBS"/*
"""

# Debian bookworm's lists: Java 17 is there, 21 is not.
APT_CACHE = """#!/bin/bash
[ "$2" = openjdk-17-jre-headless ] && echo "  Candidate: 17.0.21.1+2-1~deb12u1" || echo "  Candidate: (none)"
"""


@dataclass
class Machine:
    stubs: Path

    def command(self, name: str, script: str) -> None:
        path = self.stubs / name
        path.write_text(script)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)

    def run(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["/bin/bash", str(SCRIPT)],
            env={"PATH": str(self.stubs), "STUBS": str(self.stubs), "PYTHON": "python3"},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    @property
    def apt_calls(self) -> list[str]:
        log = self.stubs / "apt.log"
        return log.read_text().splitlines() if log.exists() else []


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    """Python 3.11 without venv, no Java, no Maven, Debian's apt; not root until a test says so."""
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for tool in ("grep", "chmod"):
        os.symlink(shutil.which(tool) or f"/usr/bin/{tool}", stubs / tool)
    found = Machine(stubs)
    venv_check = 'exit $([ -e "$STUBS/venv-installed" ] && echo 0 || echo 1)'
    found.command("python3", PYTHON_WITH_VENV.replace("exit {venv_exit}", venv_check))
    found.command("id", "#!/bin/bash\necho 1000\n")
    found.command("apt-get", APT_GET)
    found.command("apt-cache", APT_CACHE)
    return found


def test_without_root_it_stops_at_once_naming_the_command(machine: Machine) -> None:
    result = machine.run()

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "prerequisites: missing openjdk-17-jre-headless maven python3.11-venv; install them with: "
        "sudo apt-get install -y openjdk-17-jre-headless maven python3.11-venv"
    )
    assert machine.apt_calls == []


def test_as_root_it_installs_what_is_missing_from_debians_packages(machine: Machine) -> None:
    machine.command("id", "#!/bin/bash\necho 0\n")

    result = machine.run()

    assert result.returncode == 0, result.stderr
    assert machine.apt_calls == [
        "apt-get update -qq",
        "apt-get install -y -qq openjdk-17-jre-headless maven python3.11-venv",
    ]


def test_a_java_older_than_17_counts_as_missing(machine: Machine) -> None:
    machine.command("java", "#!/bin/bash\necho 'openjdk version \"11.0.22\" 2024-01-16' >&2\n")
    machine.command("mvn", "#!/bin/bash\n")
    (machine.stubs / "venv-installed").touch()

    result = machine.run()

    assert result.returncode == 1
    assert "sudo apt-get install -y openjdk-17-jre-headless" in result.stderr


def test_a_complete_machine_passes_without_touching_apt(machine: Machine) -> None:
    machine.command("java", "#!/bin/bash\necho 'openjdk version \"21.0.2\" 2024-01-16' >&2\n")
    machine.command("mvn", "#!/bin/bash\n")
    (machine.stubs / "venv-installed").touch()

    result = machine.run()

    assert (result.returncode, result.stderr) == (0, "")
    assert machine.apt_calls == []


def test_make_install_and_ci_run_the_same_check() -> None:
    makefile = (REPO / "Makefile").read_text()
    ci = (REPO / ".ci" / "run").read_text()

    assert "bash deploy/prerequisites.sh" in makefile
    assert "bash deploy/prerequisites.sh" in ci
    assert "apt-get" not in ci, "CI installs through the script, not a list of its own"
