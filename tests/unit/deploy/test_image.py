"""The container image, checked without a Docker engine: what the Dockerfile installs, copies and runs as."""

from __future__ import annotations

import fnmatch
import importlib.util
import re
from dataclasses import dataclass

import pytest

from leadline.contracts.platform.settings import MANAGEMENT_PORT_OFFSET
from tests.support.repo_layout import REPO, packages, services, settings_class

DOCKERFILE = REPO / "deploy" / "docker" / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


def stages() -> list[list[Instruction]]:
    """The Dockerfile's instructions, continuation lines joined, grouped by FROM."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    result: list[list[Instruction]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, arguments = line.partition(" ")
        instruction = Instruction(keyword.upper(), " ".join(arguments.split()))
        if instruction.keyword == "FROM":
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def arguments_of(stage: list[Instruction], keyword: str) -> list[str]:
    return [i.arguments for i in stage if i.keyword == keyword]


def test_two_stages_on_python_3_11_slim() -> None:
    first, final = stages()

    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim$", DOCKERFILE.read_text(), re.MULTILINE)
    assert arguments_of(first, "FROM") == ["${PYTHON_IMAGE} AS build"]
    assert arguments_of(final, "FROM") == ["${PYTHON_IMAGE}"]


def test_the_build_stage_installs_every_package_with_the_pinned_versions() -> None:
    build, _ = stages()
    copied = {arguments.split()[0].rstrip("/") for arguments in arguments_of(build, "COPY")}
    (install,) = [run for run in arguments_of(build, "RUN") if "pip install" in run]

    assert "requirements.lock" in copied
    assert "--require-hashes -r requirements.lock" in install
    assert "--no-deps" in install, "the lock alone chooses the third-party packages"
    for package in packages():
        assert package in copied, f"{package} is not copied into the image"
        assert f"./{package}" in install.split(), f"{package} is not installed in the image"


def test_the_final_stage_has_no_build_tools_and_runs_as_a_numeric_non_root_user() -> None:
    _, final = stages()
    runs = " ".join(arguments_of(final, "RUN"))

    assert not re.search(r"\b(pip|apt-get|apk|gcc|make)\b", runs)
    assert arguments_of(final, "COPY") == ["--from=build /opt/leadline /opt/leadline"]
    (user,) = arguments_of(final, "USER")
    assert re.fullmatch(r"[1-9]\d*:[1-9]\d*", user), "by number, so that runAsNonRoot can check it"
    assert f"--uid {user.partition(':')[0]}" in runs


def test_probes_are_left_to_the_orchestrator() -> None:
    assert all(i.keyword != "HEALTHCHECK" for stage in stages() for i in stage)


def test_it_listens_on_every_interface_and_exposes_each_service_port() -> None:
    _, final = stages()

    assert "HTTP_HOST=0.0.0.0" in " ".join(arguments_of(final, "ENV"))
    exposed = {int(port) for arguments in arguments_of(final, "EXPOSE") for port in arguments.split()}
    api_ports = {settings_class(service).default_http_port for service in services()}
    assert exposed == api_ports | {port + MANAGEMENT_PORT_OFFSET for port in api_ports}


@pytest.mark.parametrize("service", services())
def test_the_command_of_each_service_exists(service: str) -> None:
    assert importlib.util.find_spec(f"leadline.{service}.__main__") is not None


def test_the_default_command_is_a_service() -> None:
    _, final = stages()

    (command,) = arguments_of(final, "CMD")
    assert re.fullmatch(r'\["python", "-m", "leadline\.(\w+)", "serve"\]', command)


def test_the_build_context_holds_what_the_dockerfile_copies_and_nothing_local() -> None:
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def sent(path: str) -> bool:
        """Docker's rule: the last pattern that matches a path decides; ``!`` lets it in again."""
        included = True
        for pattern in patterns:
            negated = pattern.startswith("!")
            bare = pattern.removeprefix("!").rstrip("/")
            if fnmatch.fnmatch(path, bare) or path.startswith(bare + "/") or fnmatch.fnmatch(path, "*/" + bare):
                included = negated
        return included

    build, _ = stages()
    for arguments in arguments_of(build, "COPY"):
        source = arguments.split()[0].rstrip("/")
        assert sent(source), f"{source} is copied but .dockerignore leaves it out"
    for local in (".venv", ".local", ".git", "reports", "contracts/src/leadline_contracts.egg-info"):
        assert not sent(local), f"{local} would be sent to the Docker build"
