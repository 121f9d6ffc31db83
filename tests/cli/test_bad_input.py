"""Files that cannot be checked (syntax errors, undecodable bytes) are reported; the rest still are."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from clitools import UNAWAITED, found, run, run_process, write


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"app/good.py": UNAWAITED})
    return tmp_path


BROKEN = "from sqlalchemy.ext.asyncio import AsyncSession\n\n\nasync def f(db: AsyncSession:\n    db.commit()\n"


def test_syntax_error_is_reported_and_other_files_are_checked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, {"app/broken.py": BROKEN})
    result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    assert result.code == 1
    assert found(result) == [("app/good.py", 5, "GL002")]
    assert len(result.err_lines) == 1
    line = result.err_lines[0]
    assert line.startswith("greenlint: app/broken.py:")
    assert ": not checked: syntax error: " in line


def test_syntax_error_in_text_output(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/broken.py": BROKEN})
    result = run(capsys, "check", "--no-cache")
    assert result.code == 1
    assert result.out.startswith("app/good.py:5:25: GL002 ")
    assert "Found 1 finding (1 error)." in result.out
    assert [line.split(":")[1] for line in result.err_lines] == [" app/broken.py"]
    assert "not checked: syntax error" in result.err


def test_syntax_error_is_reported_again_with_the_cache(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/broken.py": BROKEN})
    first = run(capsys, "check")
    second = run(capsys, "check")
    assert (second.code, second.out, second.err) == (first.code, first.out, first.err)
    assert "not checked: syntax error" in second.err


def test_fix_skips_a_file_with_a_syntax_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/broken.py": BROKEN})
    result = run(capsys, "check", "--fix", "app")
    assert result.code == 1
    assert "app/broken.py" in result.err and "not checked: syntax error" in result.err
    assert (project / "app" / "broken.py").read_text(encoding="utf-8") == BROKEN
    assert "await db.commit()" in (project / "app" / "good.py").read_text(encoding="utf-8")


def test_nul_byte_is_a_syntax_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/nul.py": b"import sqlalchemy\nx = 1\x00\n"})
    result = run(capsys, "check", "--no-cache", "--format", "json")
    assert found(result) == [("app/good.py", 5, "GL002")]
    assert "app/nul.py" in result.err and "not checked" in result.err


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"import sqlalchemy\nname = 'caf\xe9'\n", "not valid utf-8: byte 0xe9 at offset 29"),
        (b"import sqlalchemy\n# \xff\xfe\n", "not valid utf-8: byte 0xff"),
        (b"# -*- coding: klingon -*-\nimport sqlalchemy\n", "unknown encoding: klingon"),
        (codecs.BOM_UTF8 + b"# -*- coding: latin-1 -*-\nimport sqlalchemy\n", "encoding problem"),
        (b"# coding: ascii\nimport sqlalchemy\nx = '\xc3\xa9'\n", "not valid ascii"),
    ],
)
def test_undecodable_file_is_reported_and_other_files_are_checked(
    project: Path, capsys: pytest.CaptureFixture[str], data: bytes, reason: str
) -> None:
    write(project, {"app/bad.py": data})
    result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    assert result.code == 1
    assert found(result) == [("app/good.py", 5, "GL002")]
    assert len(result.err_lines) == 1
    assert result.err_lines[0].startswith("greenlint: app/bad.py: cannot decode: ")
    assert reason in result.err_lines[0]


def test_undecodable_file_alone(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"bad.py": b"import sqlalchemy\nname = 'caf\xe9'\n"})
    result = run(capsys, "check", "--no-cache", "bad.py")
    assert result.code == 1
    assert result.err_lines == ["greenlint: bad.py: cannot decode: not valid utf-8: byte 0xe9 at offset 29"]


def test_empty_and_bom_only_files_are_clean(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"empty.py": b"", "bom.py": codecs.BOM_UTF8, "blank.py": b"\n\n\n"})
    result = run(capsys, "check", "--no-cache", "empty.py", "bom.py", "blank.py")
    assert (result.code, result.out, result.err) == (0, "All checks passed!\n", "")


def test_deeply_nested_but_valid_code(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nested = "import sqlalchemy\nx = " + "(" * 150 + "1" + ")" * 150 + "\n"
    compile(nested, "nested.py", "exec")
    write(project, {"app/nested.py": nested})
    result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    assert found(result) == [("app/good.py", 5, "GL002")]
    assert result.err == ""


def test_pathologically_nested_file_does_not_crash_the_run(tmp_path: Path) -> None:
    depth = 20_000
    write(
        tmp_path,
        {"app/good.py": UNAWAITED, "app/deep.py": "import sqlalchemy\nx = " + "[" * depth + "]" * depth},
    )
    result = run_process("check", "--no-cache", "app", cwd=tmp_path)
    assert result.code == 1, (result.code, result.err[-500:])
    assert result.out.startswith("app/good.py:5:25: GL002 ")
    assert "app/deep.py" in result.err and "not checked" in result.err
