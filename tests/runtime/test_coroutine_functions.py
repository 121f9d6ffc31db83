"""GL204 executed for real on SQLite (aiosqlite) and PostgreSQL (asyncpg): the unawaited calls never run, then
greenlint's fix, executed again in the same database."""

from __future__ import annotations

from pathlib import Path

import coroutine_programs

from runtools import Database, codes, fixed, run


def test_gl204_a_check_that_is_never_awaited_never_denies(database: Database, tmp_path: Path) -> None:
    code = database.program(coroutine_programs.GL204_UNAWAITED_CHECK)
    assert codes(code) == ["GL204", "GL204"]
    broken = run(code, tmp_path)
    assert broken.returncode == 0, broken.stderr
    assert broken.result == {"outcome": {"mallory": "deleted", "root": "deleted"}, "stored": []}
    assert "RuntimeWarning: coroutine 'is_admin' was never awaited" in broken.stderr
    assert "RuntimeWarning: coroutine 'record' was never awaited" in broken.stderr

    text = fixed(code, "GL204")
    assert codes(text) == []
    cured = run(text, tmp_path)
    assert cured.returncode == 0, cured.stderr
    assert cured.stderr == ""
    assert cured.result == {"outcome": {"mallory": "denied", "root": "deleted"}, "stored": ["root"]}
