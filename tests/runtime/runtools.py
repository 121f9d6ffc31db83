"""Running the runtime programs: a program is a small real FastAPI / SQLAlchemy script that prints one JSON line
with what it observed. It runs in a subprocess (its own event loop, warnings shown) as written, and again after
greenlint's own fixes (`fixed`, the code `check --fix --unsafe-fixes` uses).

Programs are written against SQLite: `sqlite+aiosqlite:///app.db` (async) and `sqlite:///app.db` (sync). On
PostgreSQL (`Database.program`) those URLs point at a fresh database of the test server instead, through asyncpg
and psycopg.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy

from greenlint.core.analysis import analyze
from greenlint.core.autofix import fix_text
from greenlint.rules.base import BaseRule
from greenlint.rules.registry import ALL_RULES, rule_for

SQLALCHEMY_21 = tuple(int(part) for part in sqlalchemy.__version__.split(".")[:2]) >= (2, 1)
ASYNC_SQLITE = "sqlite+aiosqlite:///app.db"
SYNC_SQLITE = "sqlite:///app.db"


@dataclass(frozen=True)
class Database:
    """Where a program's data lives: "sqlite" (app.db in the program's directory) or "postgresql"."""

    name: str
    async_url: str = ASYNC_SQLITE
    sync_url: str = SYNC_SQLITE

    @property
    def postgresql(self) -> bool:
        return self.name == "postgresql"

    def program(self, code: str) -> str:
        """`code` with its SQLite URLs pointing at this database."""
        return code.replace(ASYNC_SQLITE, self.async_url).replace(SYNC_SQLITE, self.sync_url)


SQLITE = Database("sqlite")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    @property
    def result(self) -> dict[str, Any]:
        lines = [line for line in self.stdout.splitlines() if line.startswith("{")]
        assert lines, f"no result printed\nstdout: {self.stdout}\nstderr: {self.stderr}"
        value = json.loads(lines[-1])
        assert isinstance(value, dict)
        return value


def run(code: str, directory: Path) -> Run:
    path = directory / "program.py"
    path.write_text(code, encoding="utf-8")
    process = subprocess.run(
        [sys.executable, "-W", "default", str(path)], cwd=directory, capture_output=True, text=True, timeout=120
    )
    return Run(process.returncode, process.stdout, process.stderr)


def codes(code: str) -> list[str]:
    """The codes greenlint reports on `code`, sorted."""
    return sorted(finding.code for finding in analyze(code, ALL_RULES).findings)


def fixed(code: str, code_of_rule: str, rules: Sequence[BaseRule] = ALL_RULES) -> str:
    """Apply greenlint's fixes (safe and unsafe) the way `check --fix --unsafe-fixes` does; the rule is gone."""
    assert code_of_rule in codes(code)
    text = fix_text(code, rules, unsafe=True).text
    assert code_of_rule not in codes(text)
    return text


def only(code: str) -> list[BaseRule]:
    rule = rule_for(code)
    assert rule is not None
    return [rule]
