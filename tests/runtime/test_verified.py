"""Every rule that `greenlint rules` lists has a runtime case, and what the docs say each case shows is what its
test asserts: the rule's `verified` outcomes name their test, and each value they quote occurs in tests/runtime."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from greenlint.rules.base import BaseRule, Verified
from greenlint.rules.registry import ALL_RULES

HERE = Path(__file__).parent
QUOTED = re.compile(r"`([^`]+)`")


def listed_codes() -> list[str]:
    listing = subprocess.run(
        [sys.executable, "-m", "greenlint", "rules"], capture_output=True, text=True, check=True
    ).stdout
    return [line.split()[0] for line in listing.splitlines() if line.strip()]


def runtime_sources() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(HERE.glob("*.py")) if path != Path(__file__))


def function_of(reference: str) -> ast.FunctionDef:
    module, _, name = reference.partition("::")
    path = HERE / module
    assert path.is_file(), f"{reference}: no {module} in tests/runtime"
    found = [
        node
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef) and node.name == name
    ]
    assert found, f"{reference}: no test function {name} in {module}"
    return found[0]


def outcomes() -> list[tuple[BaseRule, Verified]]:
    return [(rule, item) for rule in ALL_RULES for item in rule.verified]


def test_every_listed_rule_has_a_runtime_case() -> None:
    codes = listed_codes()
    assert codes == [rule.code for rule in ALL_RULES]
    assert [code for code in codes if not any(rule.code == code and rule.verified for rule in ALL_RULES)] == []


@pytest.mark.parametrize(("rule", "item"), outcomes(), ids=[f"{rule.code}-{item.case}" for rule, item in outcomes()])
def test_verified_outcome_is_what_its_test_asserts(rule: BaseRule, item: Verified) -> None:
    parameters = {argument.arg for argument in function_of(item.test).args.args}
    runs_on = set()
    if "postgresql" not in parameters:  # the `postgresql` fixture is PostgreSQL only; `database` is both
        runs_on.add("SQLite")
    if parameters & {"database", "postgresql"}:
        runs_on.add("PostgreSQL")
    assert set(item.databases) == runs_on, f"{item.test} runs on {sorted(runs_on)}"
    assert set(item.sqlalchemy) <= {"2.0", "2.1"} and item.sqlalchemy
    sources = runtime_sources()
    for quoted in QUOTED.findall(item.outcome + " " + item.fixed):
        assert quoted in sources, f"{rule.code} quotes `{quoted}`, which no runtime test asserts"
