"""Automatic garbage collection is off while a file is checked or fixed, and back as it was after."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from casetools import source
from greenlint.core import autofix
from greenlint.core import checker as checker_module
from greenlint.core.checker import Checker
from greenlint.core.collection import without_collection
from greenlint.core.files import SourceFile

UNAWAITED = source(
    """
    from sqlalchemy.ext.asyncio import AsyncSession


    async def save(db: AsyncSession) -> None:
        db.commit()
    """
)


@pytest.fixture
def collection_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


@without_collection
def collecting() -> bool:
    return gc.isenabled()


@without_collection
def failing() -> None:
    assert not gc.isenabled()
    raise ValueError("failed")


def test_off_inside_on_after(collection_on: None) -> None:
    assert collecting() is False
    assert gc.isenabled()
    with pytest.raises(ValueError, match="failed"):
        failing()
    assert gc.isenabled()


def test_left_off_when_it_was_off(collection_on: None) -> None:
    gc.disable()  # as in the language server
    assert collecting() is False
    assert not gc.isenabled()


def test_check_and_fix_analyse_without_collection(
    collection_on: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    states: list[tuple[str, bool]] = []
    analyze = checker_module.analyze

    def recording(*args: object, **kwargs: object) -> object:
        states.append((calling, gc.isenabled()))
        return analyze(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(checker_module, "analyze", recording)
    monkeypatch.setattr(autofix, "analyze", recording)
    path = tmp_path / "app.py"
    path.write_text(UNAWAITED, encoding="utf-8")
    checker = Checker()
    calling = "check"
    assert [record["code"] for record in checker.check(SourceFile(path, "app.py")).records] == ["GL002"]
    calling = "fix"
    assert checker.fix(SourceFile(path, "app.py"), unsafe=False, write=True).fixed == 1
    assert "await db.commit()" in path.read_text(encoding="utf-8")
    assert {name for name, _ in states} == {"check", "fix"}
    assert not any(enabled for _, enabled in states)
    assert gc.isenabled()
