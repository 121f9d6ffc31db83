"""Each rule's bug, executed for real on SQLite (aiosqlite), then greenlint's own fix, executed again.

The outcomes asserted here are the ones the rules' messages state. PostgreSQL and the SQLAlchemy 2.0 / 2.1
matrix come with the runtime-proof issue; these run everywhere, with no server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import programs
from greenlint.rules.base import Rule
from greenlint.rules.registry import ALL_RULES
from runtools import fixed, only, run


def test_gl002_commit_never_awaited_loses_the_row(tmp_path: Path) -> None:
    broken = run(programs.GL002_LOST_COMMIT, tmp_path)
    assert broken.result == {"rows": 0}
    assert "RuntimeWarning: coroutine 'AsyncSession.commit' was never awaited" in broken.stderr

    (tmp_path / "app.db").unlink()
    cured = run(fixed(programs.GL002_LOST_COMMIT, "GL002"), tmp_path)
    assert cured.result == {"rows": 1}
    assert "RuntimeWarning" not in cured.stderr


def test_gl004_query_raises_attribute_error(tmp_path: Path) -> None:
    broken = run(programs.GL004_QUERY, tmp_path)
    assert broken.result == {"error": "AttributeError", "message": "'AsyncSession' object has no attribute 'query'"}

    (tmp_path / "app.db").unlink()
    assert run(fixed(programs.GL004_QUERY, "GL004"), tmp_path).result == {"names": ["ada"]}


def test_gl005_await_in_def_fails_to_compile(tmp_path: Path) -> None:
    broken = run(programs.GL005_AWAIT_IN_DEF, tmp_path)
    assert broken.returncode != 0
    assert "SyntaxError: 'await' outside async function" in broken.stderr

    (tmp_path / "app.db").unlink(missing_ok=True)
    assert run(fixed(programs.GL005_AWAIT_IN_DEF, "GL005"), tmp_path).result == {"name": "ada"}


def test_gl006_sync_driver_fails_at_engine_creation(tmp_path: Path) -> None:
    broken = run(programs.GL006_SYNC_DRIVER, tmp_path).result
    assert broken["error"] == "InvalidRequestError"
    assert "The asyncio extension requires an async driver to be used" in broken["message"]

    assert run(fixed(programs.GL006_SYNC_DRIVER, "GL006"), tmp_path).result == {"value": 1}


def test_gl007_async_driver_in_sync_engine_raises_missing_greenlet(tmp_path: Path) -> None:
    broken = run(programs.GL007_ASYNC_DRIVER, tmp_path).result
    assert "greenlet_spawn has not been called" in broken["message"]

    assert run(fixed(programs.GL007_ASYNC_DRIVER, "GL007"), tmp_path).result == {"value": 1}


def test_gl003_fastapi_ignores_the_annotation(tmp_path: Path) -> None:
    assert run(programs.GL003_ANNOTATION, tmp_path).result == {"status": 200, "kind": "AsyncSession"}
    assert run(fixed(programs.GL003_ANNOTATION, "GL003"), tmp_path).result == {"status": 200, "kind": "AsyncSession"}


@pytest.mark.parametrize(
    ("code", "rules"),
    [("GL008", only("GL008")), ("GL001", ALL_RULES)],
    ids=["GL008-make-route-def", "GL001-async-engine"],
)
def test_sync_session_in_async_route_blocks_the_event_loop(tmp_path: Path, code: str, rules: list[Rule]) -> None:
    """Two concurrent requests on a 0.4 s query: serialised (>= 0.8 s) when blocking, overlapping once fixed."""
    program = programs.GL008_BLOCKING if code == "GL008" else programs.GL001_SYNC_ENGINE
    broken = run(program, tmp_path).result
    assert broken["status"] == [200, 200]
    assert broken["seconds"] >= 2 * programs.SLOW * 0.95

    cured = run(fixed(program, code, rules), tmp_path).result
    assert cured["status"] == [200, 200]
    assert cured["seconds"] < 1.5 * programs.SLOW
