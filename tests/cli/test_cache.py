"""The `.greenlint_cache` of findings: hits skip analysis, edits and settings changes invalidate it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import greenlint.core.checker
from clitools import CLEAN, UNAWAITED, example, run, write
from greenlint.core.cache import CACHE_DIRECTORY


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"app/a.py": UNAWAITED, "app/b.py": example("GL004"), "app/c.py": CLEAN})
    return tmp_path


@pytest.fixture
def analyzed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts that `Checker.check` analysed (every call to `analyze` made by the checker)."""
    calls: list[str] = []
    real: Callable[..., Any] = greenlint.core.checker.analyze

    def counting(text: str, *args: Any, **kwargs: Any) -> Any:
        calls.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(greenlint.core.checker, "analyze", counting)
    return calls


def test_second_run_uses_the_cache(project: Path, capsys: pytest.CaptureFixture[str], analyzed: list[str]) -> None:
    first = run(capsys, "check", "app")
    assert len(analyzed) == 3
    assert (project / CACHE_DIRECTORY).is_dir()
    analyzed.clear()
    second = run(capsys, "check", "app")
    assert analyzed == []
    assert (second.code, second.out, second.err) == (first.code, first.out, first.err)
    assert first.code == 1


def test_editing_a_file_reanalyses_only_that_file(
    project: Path, capsys: pytest.CaptureFixture[str], analyzed: list[str]
) -> None:
    run(capsys, "check", "app")
    assert len(analyzed) == 3
    analyzed.clear()
    edited = UNAWAITED.replace("db.commit()", "db.flush()")
    (project / "app" / "a.py").write_text(edited, encoding="utf-8")
    result = run(capsys, "check", "app")
    assert analyzed == [edited]
    assert "app/a.py:5:25: GL002 [*] `db.flush()` is never awaited" in result.out
    assert "db.commit()" not in result.out
    analyzed.clear()
    assert run(capsys, "check", "app").out == result.out
    assert analyzed == []


def test_edit_is_seen_in_the_output(project: Path, capsys: pytest.CaptureFixture[str], analyzed: list[str]) -> None:
    run(capsys, "check", "app")
    (project / "app" / "a.py").write_text(UNAWAITED.replace("db.commit()", "await db.commit()"), encoding="utf-8")
    analyzed.clear()
    result = run(capsys, "check", "--format", "json", "--select", "GL002", "app")
    assert (result.code, result.json()) == (0, [])
    assert len(analyzed) == 3  # another format and selection: nothing reused


def test_cache_entries_depend_on_the_output_format_and_selection(
    project: Path, capsys: pytest.CaptureFixture[str], analyzed: list[str]
) -> None:
    text = run(capsys, "check", "app")
    json_run = run(capsys, "check", "--format", "json", "app")
    assert all(record["fix"] is None or "edits" in record["fix"] for record in json_run.json())
    assert any(record["fix"] is not None for record in json_run.json())
    analyzed.clear()
    assert run(capsys, "check", "app").out == text.out
    assert run(capsys, "check", "--format", "json", "app").out == json_run.out
    assert analyzed == []
    narrowed = run(capsys, "check", "--format", "json", "--select", "GL004", "app").json()
    assert {record["code"] for record in narrowed} == {"GL004"}
    assert len(analyzed) == 3


def test_changed_severity_invalidates_the_cache(
    project: Path, capsys: pytest.CaptureFixture[str], analyzed: list[str]
) -> None:
    assert {r["severity"] for r in run(capsys, "check", "--format", "json", "app").json()} == {"error"}
    (project / "pyproject.toml").write_text('[tool.greenlint]\nseverity = {GL002 = "hint"}\n', encoding="utf-8")
    records = run(capsys, "check", "--format", "json", "app").json()
    assert {(r["code"], r["severity"]) for r in records} == {("GL002", "hint"), ("GL004", "error")}


def test_changed_per_file_ignores_apply_to_cached_results(
    project: Path, capsys: pytest.CaptureFixture[str], analyzed: list[str]
) -> None:
    run(capsys, "check", "app")
    (project / "pyproject.toml").write_text(
        '[tool.greenlint]\nper-file-ignores = {"app/a.py" = ["GL002"]}\n', encoding="utf-8"
    )
    result = run(capsys, "check", "--format", "json", "app")
    assert {record["path"] for record in result.json()} == {"app/b.py"}


def test_corrupt_cache_entries_are_ignored(
    project: Path, capsys: pytest.CaptureFixture[str], analyzed: list[str]
) -> None:
    first = run(capsys, "check", "app")
    entries = [path for path in (project / CACHE_DIRECTORY).rglob("*") if path.is_file() and path.name != ".gitignore"]
    assert entries
    for entry in entries:
        entry.write_text("{not json", encoding="utf-8")
    analyzed.clear()
    second = run(capsys, "check", "app")
    assert second.out == first.out
    assert len(analyzed) == 3


def test_the_cache_lives_in_the_working_directory_and_is_gitignored(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "elsewhere").mkdir()
    monkeypatch.chdir(project / "elsewhere")
    run(capsys, "check", str(project / "app"))
    assert (project / "elsewhere" / CACHE_DIRECTORY).is_dir()
    assert not (project / CACHE_DIRECTORY).exists()
    assert not (project / "app" / CACHE_DIRECTORY).exists()
    ignore = (project / "elsewhere" / CACHE_DIRECTORY / ".gitignore").read_text(encoding="utf-8")
    assert "*" in ignore.splitlines()


def test_no_cache_never_creates_the_directory(
    project: Path, capsys: pytest.CaptureFixture[str], analyzed: list[str]
) -> None:
    for output_format in ("text", "json", "sarif", "github"):
        run(capsys, "check", "--no-cache", "--format", output_format, "app")
    assert not (project / CACHE_DIRECTORY).exists()
    assert len(analyzed) == 12


def test_no_cache_does_not_read_an_existing_cache(
    project: Path, capsys: pytest.CaptureFixture[str], analyzed: list[str]
) -> None:
    run(capsys, "check", "app")
    analyzed.clear()
    run(capsys, "check", "--no-cache", "app")
    assert len(analyzed) == 3


def test_diff_does_not_create_the_cache(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", "--diff", "app").code == 1
    assert not (project / CACHE_DIRECTORY).exists()


def test_unwritable_cache_is_silently_skipped(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = run(capsys, "check", "--no-cache", "app")
    (project / CACHE_DIRECTORY).write_text("a file, not a directory", encoding="utf-8")
    result = run(capsys, "check", "app")
    assert (result.code, result.out, result.err) == (expected.code, expected.out, "")
    assert (project / CACHE_DIRECTORY).read_text(encoding="utf-8") == "a file, not a directory"
