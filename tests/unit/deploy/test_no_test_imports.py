"""What runs outside the test suite (the services, the shared package, `make demo`, the cluster and deployment
scripts) never imports the tests: code they share lives in the shared package (leadline.contracts.tooling for
developer tooling)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.repo_layout import REPO

OUTSIDE_THE_TESTS = ("contracts", "services", "deploy")


def imports_of_the_tests(source: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source.read_text())):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [name for name in names if name == "tests" or name.startswith("tests.")]
    return found


def test_no_module_outside_the_tests_imports_them() -> None:
    sources = [path for part in OUTSIDE_THE_TESTS for path in sorted((REPO / part).rglob("*.py"))]
    assert len(sources) > 50
    offending = {
        f"{source.relative_to(REPO)} imports {module}" for source in sources for module in imports_of_the_tests(source)
    }
    assert offending == set()
