"""GL204 executed for real on SQLite (aiosqlite): the unawaited calls never run, then greenlint's fix."""

from __future__ import annotations

from pathlib import Path

import coroutine_programs

from runtools import fixed, run


def test_gl204_a_check_that_is_never_awaited_never_denies(tmp_path: Path) -> None:
    broken = run(coroutine_programs.GL204_UNAWAITED_CHECK, tmp_path)
    assert broken.returncode == 0, broken.stderr
    assert broken.result == {"outcome": {"mallory": "deleted", "root": "deleted"}, "rows": []}
    assert "RuntimeWarning: coroutine 'record' was never awaited" in broken.stderr

    cured_dir = tmp_path / "fixed"
    cured_dir.mkdir()
    cured = run(fixed(coroutine_programs.GL204_UNAWAITED_CHECK, "GL204"), cured_dir)
    assert cured.returncode == 0, cured.stderr
    assert cured.result == {"outcome": {"mallory": "denied", "root": "deleted"}, "rows": [["root"]]}
    assert "never awaited" not in cured.stderr
