"""The hashed locks agree with what they are generated from, so a dependency added without `make lock` is caught
here rather than by an install that fails (pip refuses it) or, worse, one that silently lacks it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from tests.support.repo_layout import REPO, packages

RUNTIME_LOCK = REPO / "requirements.lock"
DEV_LOCK = REPO / "requirements-dev.lock"


def entries(lock: Path) -> dict[str, list[str]]:
    """Each requirement line of a lock, with the hashes of the continuation lines below it."""
    result: dict[str, list[str]] = {}
    for line in lock.read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            requirement = line.removesuffix("\\").strip()
            result[requirement] = []
        elif hashed := re.search(r"--hash=sha256:([0-9a-f]{64})", line):
            result[requirement].append(hashed[1])
    return result


def pins(lock: Path) -> dict[NormalizedName, tuple[Version, list[str]]]:
    """Each locked package's exact version and its files' hashes."""
    result = {}
    for requirement, hashes in entries(lock).items():
        name, _, version = requirement.partition("==")
        result[canonicalize_name(name)] = (Version(version), hashes)
    return result


def listed(requirements_file: Path) -> list[Requirement]:
    lines = (line.partition("#")[0].strip() for line in requirements_file.read_text().splitlines())
    return [Requirement(line) for line in lines if line]


def own_names() -> set[NormalizedName]:
    return {canonicalize_name(project(package)["name"]) for package in packages()}


def project(package: str) -> dict[str, Any]:
    """The [project] table of a package's pyproject.toml."""
    with (REPO / package / "pyproject.toml").open("rb") as file:
        table: dict[str, Any] = tomllib.load(file)["project"]
    return table


def services_need() -> list[Requirement]:
    """What the packages declare, without the packages themselves, plus the installer and build backend."""
    declared = [Requirement(text) for package in packages() for text in project(package)["dependencies"]]
    third_party = [r for r in declared if canonicalize_name(r.name) not in own_names()]
    return third_party + listed(REPO / "requirements-build.txt")


@pytest.mark.parametrize(
    ("lock", "inputs"),
    [
        (RUNTIME_LOCK, services_need()),
        (DEV_LOCK, services_need() + listed(REPO / "requirements-dev.txt")),
    ],
    ids=["requirements.lock", "requirements-dev.lock"],
)
def test_every_declared_dependency_is_locked_within_its_range(lock: Path, inputs: list[Requirement]) -> None:
    locked = pins(lock)

    for requirement in inputs:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement} is not in {lock.name}: run make lock"
        assert locked[name][0] in requirement.specifier, f"{lock.name} pins {name} outside {requirement}: make lock"


@pytest.mark.parametrize("lock", [RUNTIME_LOCK, DEV_LOCK], ids=lambda lock: lock.name)
def test_every_pin_carries_hashes_and_none_is_our_own(lock: Path) -> None:
    requirements = entries(lock)

    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==[^ ;]+", requirement) for requirement in requirements), "exact pins"
    assert all(requirements.values()), "every pin lists its files' hashes"
    locked = pins(lock)
    assert not own_names() & locked.keys(), "our packages are installed from the tree, not from an index"


def test_the_image_gets_the_versions_the_tests_ran_with() -> None:
    runtime = {name: version for name, (version, _) in pins(RUNTIME_LOCK).items()}
    dev = {name: version for name, (version, _) in pins(DEV_LOCK).items()}

    assert runtime.items() <= dev.items()
