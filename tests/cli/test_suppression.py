"""Line suppressions through the CLI: `# noqa`, `# noqa: CODES`, `# greenlint: ignore[...]`."""

from __future__ import annotations

from pathlib import Path

import pytest

from clitools import UNAWAITED, example, found, run, write


def findings_with_comment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], comment: str
) -> list[tuple[str, int, str]]:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"x.py": UNAWAITED.replace("db.commit()\n", f"db.commit()  {comment}\n")})
    result = run(capsys, "check", "--no-cache", "--format", "json", "x.py")
    assert result.code == (1 if result.json() else 0)
    return found(result)


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa",
        "#noqa",
        "# NOQA",
        "# noqa: GL002",
        "# noqa:GL002",
        "# noqa: gl002",
        "# noqa: E501, GL002",
        "# noqa: E501,GL002",
        "# noqa: GL002 -- the caller awaits",
        "# greenlint: ignore",
        "# greenlint: ignore[GL002]",
        "# greenlint: ignore[unawaited-async-call]",
        "# greenlint: ignore[GL003, unawaited-async-call]",
        "# type: ignore  # noqa: GL002",
    ],
)
def test_suppressed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], comment: str
) -> None:
    assert findings_with_comment(tmp_path, monkeypatch, capsys, comment) == []


@pytest.mark.parametrize(
    "comment",
    [
        "# noqa: E501",
        "# noqa: GL003",
        "# noqa: GL0021",
        "# greenlint: ignore[GL003]",
        "# greenlint: ignore[session-annotation-mismatch]",
        "# greenlint: ignore[]",
        "# no qa",
    ],
)
def test_not_suppressed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], comment: str
) -> None:
    assert findings_with_comment(tmp_path, monkeypatch, capsys, comment) == [("x.py", 5, "GL002")]


def test_noqa_only_covers_its_own_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code = example("GL002").replace("db.commit()  # expect: GL002", "db.commit()  # noqa: GL002")
    write(tmp_path, {"x.py": code})
    assert found(run(capsys, "check", "--no-cache", "--format", "json")) == [("x.py", 10, "GL002")]


def test_suppressed_findings_are_not_counted_in_the_text_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code = example("GL002").replace("db.commit()  # expect: GL002", "db.commit()  # greenlint: ignore")
    write(tmp_path, {"x.py": code})
    result = run(capsys, "check", "--no-cache")
    assert result.out.splitlines()[-2:] == ["Found 1 finding (1 error).", "[*] 1 fixable with --fix."]


@pytest.mark.parametrize(
    "literal", ['"# noqa"', "'# noqa: GL002'", '"""# greenlint: ignore"""', "f'{1} # noqa'", r'"\" # noqa"']
)
def test_noqa_inside_a_string_does_not_suppress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], literal: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"x.py": UNAWAITED.replace('"日本語🎉"', literal)})
    assert found(run(capsys, "check", "--no-cache", "--format", "json")) == [("x.py", 5, "GL002")]


def test_noqa_after_a_string_with_a_hash_still_suppresses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        {"x.py": UNAWAITED.replace('"日本語🎉"', '"#1"').replace("commit()", "commit()  # noqa: GL002")},
    )
    assert found(run(capsys, "check", "--no-cache", "--format", "json")) == []
