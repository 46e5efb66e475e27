"""The shared package's three parts depend one way: tooling on the platform and the wire, the platform on the wire,
the wire on neither (what goes over Kafka must not change because of how a service runs)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import leadline.contracts

PACKAGE = Path(leadline.contracts.__file__).parent
# What each part may not import.
FORBIDDEN = {"wire": ("platform", "tooling"), "platform": ("tooling",)}


def imported_modules(source: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_a_part_imports_nothing_of_the_parts_above_it(part: str) -> None:
    sources = sorted((PACKAGE / part).rglob("*.py"))
    assert sources, f"no modules in leadline.contracts.{part}"
    offending = {
        f"{source.relative_to(PACKAGE)} imports {module}"
        for source in sources
        for module in imported_modules(source)
        for above in FORBIDDEN[part]
        if module == f"leadline.contracts.{above}" or module.startswith(f"leadline.contracts.{above}.")
    }
    assert offending == set()


def test_every_module_is_in_one_of_the_three_parts() -> None:
    assert sorted(path.name for path in PACKAGE.iterdir() if path.name != "__pycache__") == [
        "__init__.py",
        "platform",
        "py.typed",
        "tooling",
        "wire",
    ]
