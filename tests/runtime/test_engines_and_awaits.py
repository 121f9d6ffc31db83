"""GL001-GL008 (engines, drivers, awaits) executed for real, then again after greenlint's own fix.

Each bug's outcome is asserted as it happens, on SQLite (aiosqlite) and PostgreSQL (asyncpg; psycopg for sync
code) alike unless the case cannot differ between them (GL003, GL005); where SQLAlchemy 2.0 and 2.1 differ the
test asserts each one's behaviour. The fixed program runs cleanly (no exception, no warning) in the same database.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

import programs
from greenlint.rules.base import Rule
from greenlint.rules.registry import ALL_RULES
from runtools import SQLALCHEMY_21, SYNC_SQLITE, Database, Run, codes, fixed, only, run

NOT_ASYNC = {
    "pysqlite": "The asyncio extension requires an async driver to be used. The loaded 'pysqlite' is not async.",
    "psycopg2": "The asyncio extension requires an async driver to be used. The loaded 'psycopg2' is not async.",
}
# MissingGreenlet's message names the bridge function of each version.
NO_GREENLET = (
    "greenlet_spawn has not been called; can't call await_() here."
    if SQLALCHEMY_21
    else "greenlet_spawn has not been called; can't call await_only() here."
)


def cure(code: str, rule: str, directory: Path, rules: Sequence[Rule] = ALL_RULES) -> Run:
    """Run the program as greenlint's fix leaves it: greenlint no longer reports the rule, and it runs cleanly."""
    cured = run(fixed(code, rule, rules), directory)
    assert cured.returncode == 0, cured.stderr
    assert cured.stderr == ""
    return cured


def with_sync_url(database: Database, code: str, scheme: str) -> str:
    """`code` with its sync SQLite URL replaced by `scheme` on PostgreSQL (unchanged on SQLite)."""
    return code.replace(SYNC_SQLITE, database.sync_url.replace("postgresql+psycopg:", f"{scheme}:"))


def test_gl002_unawaited_commit_loses_the_row_behind_a_200(database: Database, tmp_path: Path) -> None:
    code = database.program(programs.GL002_UNAWAITED)
    assert codes(code) == ["GL002", "GL002"]
    broken = run(code, tmp_path)
    assert broken.result == {
        "post": {"status": 200, "body": {"created": "ada"}},
        "get": {
            "status": 500,
            "body": {"error": "AttributeError", "message": "'coroutine' object has no attribute 'all'"},
        },
        "stored": [],
    }
    assert "RuntimeWarning: coroutine 'AsyncSession.commit' was never awaited" in broken.stderr
    assert "RuntimeWarning: coroutine 'AsyncSession.scalars' was never awaited" in broken.stderr

    assert cure(code, "GL002", tmp_path).result == {
        "post": {"status": 200, "body": {"created": "ada"}},
        "get": {"status": 200, "body": ["ada"]},
        "stored": ["ada"],
    }


def test_gl003_fastapi_ignores_the_annotation(tmp_path: Path) -> None:
    assert codes(programs.GL003_ANNOTATION) == ["GL003"]
    assert run(programs.GL003_ANNOTATION, tmp_path).result == {"status": 200, "body": "AsyncSession"}
    assert cure(programs.GL003_ANNOTATION, "GL003", tmp_path).result == {"status": 200, "body": "AsyncSession"}


def test_gl004_query_on_async_session_is_a_500(database: Database, tmp_path: Path) -> None:
    code = database.program(programs.GL004_QUERY)
    assert codes(code) == ["GL004"]
    assert run(code, tmp_path).result == {
        "status": 500,
        "body": {"error": "AttributeError", "message": "'AsyncSession' object has no attribute 'query'"},
    }
    assert cure(code, "GL004", tmp_path).result == {"status": 200, "body": ["ada", "grace"]}


def test_gl005_await_in_def_fails_to_compile(tmp_path: Path) -> None:
    assert codes(programs.GL005_AWAIT_IN_DEF) == ["GL005"]
    broken = run(programs.GL005_AWAIT_IN_DEF, tmp_path)
    assert broken.returncode == 1
    assert "SyntaxError: 'await' outside async function" in broken.stderr

    assert cure(programs.GL005_AWAIT_IN_DEF, "GL005", tmp_path).result == {"name": "ada"}


def test_gl006_sync_driver_fails_at_engine_creation(database: Database, tmp_path: Path) -> None:
    """`sqlite:///` on SQLite, `postgresql+psycopg2://` on PostgreSQL."""
    code = with_sync_url(database, programs.GL006_SYNC_DRIVER, "postgresql+psycopg2")
    assert codes(code) == ["GL006"]
    driver = "psycopg2" if database.postgresql else "pysqlite"
    assert run(code, tmp_path).result == {"error": "InvalidRequestError", "message": NOT_ASYNC[driver]}

    async_driver = "asyncpg" if database.postgresql else "aiosqlite"
    assert cure(code, "GL006", tmp_path).result == {"driver": async_driver, "value": 1}


def test_gl006_postgresql_url_without_driver_depends_on_the_version(postgresql: Database, tmp_path: Path) -> None:
    """Plain `postgresql://`: SQLAlchemy 2.0 loads psycopg2 (not async), 2.1 psycopg 3 (async-capable)."""
    code = with_sync_url(postgresql, programs.GL006_SYNC_DRIVER, "postgresql")
    assert codes(code) == ["GL006"]
    broken = run(code, tmp_path).result
    if SQLALCHEMY_21:
        assert broken == {"driver": "psycopg", "value": 1}
    else:
        assert broken == {"error": "InvalidRequestError", "message": NOT_ASYNC["psycopg2"]}

    assert cure(code, "GL006", tmp_path).result == {"driver": "asyncpg", "value": 1}


def test_gl007_async_driver_in_sync_engine_raises_missing_greenlet(database: Database, tmp_path: Path) -> None:
    code = database.program(programs.GL007_ASYNC_DRIVER)
    assert codes(code) == ["GL007"]
    broken = run(code, tmp_path).result
    assert broken["error"] == "MissingGreenlet"
    assert broken["message"].startswith(f"{NO_GREENLET} Was IO attempted in an unexpected place?")

    sync_driver = "psycopg" if database.postgresql else "pysqlite"
    assert cure(code, "GL007", tmp_path).result == {"driver": sync_driver, "value": 1}


@pytest.mark.parametrize(
    ("code", "rules"),
    [("GL008", only("GL008")), ("GL001", ALL_RULES)],
    ids=["GL008-make-route-def", "GL001-async-engine"],
)
def test_sync_session_in_async_route_blocks_the_event_loop(
    database: Database, tmp_path: Path, code: str, rules: list[Rule]
) -> None:
    """Two concurrent requests on a 0.4 s query (after a first request): serialised (>= 0.8 s) when the event loop
    blocks, overlapping (< 0.6 s) once fixed."""
    program = database.program(programs.BLOCKING_APP)
    assert codes(program) == ["GL001", "GL008"]
    broken = run(program, tmp_path).result
    assert broken["status"] == [200, 200]
    assert broken["seconds"] >= 2 * programs.SLOW * 0.95

    cured = cure(program, code, tmp_path, rules).result
    assert cured["status"] == [200, 200]
    assert cured["seconds"] < 1.5 * programs.SLOW
