"""Helpers shared by the test suites: acceptance-case markers, quick analysis of snippets."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from greenlint.core.analysis import Analysis, analyze
from greenlint.rules.registry import ALL_RULES

REPOSITORY = Path(__file__).resolve().parents[1]
SHARED_CASES = REPOSITORY.parent / "shared" / "cases"
MARKER = re.compile(r"#\s*expect:\s*([A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)")


def source(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


def check(code: str) -> Analysis:
    """Analyse dedented code with every rule."""
    return analyze(source(code), ALL_RULES)


def codes(code: str) -> list[tuple[int, str]]:
    """(line, code) of every finding of dedented code."""
    return [(finding.start.line, finding.code) for finding in check(code).findings]


def expected_markers(text: str) -> list[tuple[int, str]]:
    """(line, code) of every `# expect: CODE` marker, sorted like findings."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = MARKER.search(line)
        if match:
            found.extend((number, item.strip()) for item in match.group(1).split(","))
    return sorted(found)


# A project whose code uses the asyncio extension and whose manifest may install SQLAlchemy 2.1 without it (GL301).
APP = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("postgresql+asyncpg://app@localhost/app")
Session = async_sessionmaker(engine, expire_on_commit=False)
"""
SYNC_APP = """\
from sqlalchemy import create_engine

engine = create_engine("postgresql+psycopg2://app@localhost/app")
"""
PYPROJECT = """\
[project]
name = "app"
version = "1.0"
dependencies = [
    "fastapi>=0.110",
    "sqlalchemy>=2.1",
    "asyncpg>=0.29",
]
"""
PYPROJECT_FIXED = PYPROJECT.replace('"sqlalchemy>=2.1"', '"sqlalchemy[asyncio]>=2.1"')
