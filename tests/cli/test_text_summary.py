"""The text format's order and summary lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenlint.cli.main import main

ROUTES = """\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session


async def save(db: AsyncSession) -> None:
    db.commit()


async def load(db: Session, q) -> None:
    db.execute(q)
"""


def test_findings_are_sorted_by_path_and_the_summary_counts_each_severity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.py").write_text(ROUTES, encoding="utf-8")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "z.py").write_text(ROUTES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--no-cache", "."]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines[:4]] == ["a/z.py", "a/z.py", "b.py", "b.py"]
    assert lines[-2] == "Found 4 findings (2 errors, 2 warnings)."
    assert lines[-1] == "[*] 2 fixable with --fix (2 more with --fix --unsafe-fixes)."
