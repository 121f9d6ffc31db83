"""`--fix`, `--unsafe-fixes` and `--diff`: what is written, and how (encoding, newlines, mode, atomicity)."""

from __future__ import annotations

import codecs
import os
import stat
import subprocess
from pathlib import Path

import pytest

from clitools import (
    CLEAN,
    UNAWAITED,
    UNAWAITED_FIXED,
    UNFIXABLE,
    example,
    fixed_example,
    found,
    run,
    run_process,
    write,
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def listing(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())


def test_fix_writes_safe_fixes_and_reports(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/x.py": UNAWAITED, "app/two.py": example("GL002")})
    result = run(capsys, "check", "--fix", "app")
    assert result.code == 0
    assert result.err == ""
    assert result.out == "Fixed 3 findings, 0 remaining.\nAll checks passed!\n"
    assert (project / "app" / "x.py").read_text(encoding="utf-8") == UNAWAITED_FIXED
    assert (project / "app" / "two.py").read_text(encoding="utf-8") == fixed_example("GL002")
    assert listing(project / "app") == ["two.py", "x.py"]
    assert run(capsys, "check", "--no-cache", "app").code == 0


def test_fix_summary_counts_one_finding(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"x.py": UNAWAITED})
    assert run(capsys, "check", "--fix", "x.py").out == "Fixed 1 finding, 0 remaining.\nAll checks passed!\n"


def test_fix_leaves_unfixable_findings_and_exits_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"x.py": UNAWAITED, "y.py": UNFIXABLE})
    result = run(capsys, "check", "--fix", ".")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].startswith("y.py:5:5: GL002 `db.commit()` is never awaited")
    assert lines[1:] == ["Fixed 1 finding, 1 remaining.", "Found 1 finding (1 error)."]
    assert (project / "y.py").read_text(encoding="utf-8") == UNFIXABLE


def test_fix_skips_unsafe_fixes_without_unsafe_fixes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """GL001's fix (sync engine -> async engine) is unsafe; GL008's in the same example is safe."""
    original = example("GL001")
    write(project, {"db.py": original})
    before = run(capsys, "check", "--no-cache", "db.py")
    assert "[*] 1 fixable with --fix (1 more with --fix --unsafe-fixes)." in before.out
    result = run(capsys, "check", "--fix", "db.py")
    assert result.code == 1
    text = (project / "db.py").read_text(encoding="utf-8")
    assert "engine = create_engine(DATABASE_URL)" in text
    assert "create_async_engine" not in text
    assert "\ndef list_users(" in text  # GL008's safe fix made the route a plain def
    assert [code for _, _, code in found(run(capsys, "check", "--no-cache", "--format", "json"))] == ["GL001"]
    assert "Fixed 1 finding, 1 remaining." in result.out


def test_unsafe_fixes_apply_the_gl001_fix(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"db.py": example("GL001")})
    result = run(capsys, "check", "--fix", "--unsafe-fixes", "db.py")
    assert result.code == 0
    assert result.out.endswith(" remaining.\nAll checks passed!\n")
    assert result.out.startswith("Fixed ")
    assert (project / "db.py").read_text(encoding="utf-8") == fixed_example("GL001")


def test_unsafe_fixes_alone_does_not_write(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"db.py": example("GL001")})
    result = run(capsys, "check", "--no-cache", "--unsafe-fixes", "db.py")
    assert result.code == 1
    assert (project / "db.py").read_text(encoding="utf-8") == example("GL001")


def test_fix_does_not_touch_clean_files(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"ok.py": CLEAN})
    os.utime(project / "ok.py", (1_000_000, 1_000_000))
    result = run(capsys, "check", "--fix", ".")
    assert (result.code, result.out) == (0, "All checks passed!\n")
    assert (project / "ok.py").stat().st_mtime == 1_000_000


def test_fix_keeps_crlf(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The GL001 fix inserts an import line: it must get a CRLF too."""
    original = example("GL001").replace("\n", "\r\n")
    write(project, {"db.py": original.encode("utf-8")})
    assert run(capsys, "check", "--fix", "--unsafe-fixes", "db.py").code == 0
    data = (project / "db.py").read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") > 0
    assert data.decode("utf-8") == fixed_example("GL001").replace("\n", "\r\n")


def test_fix_keeps_the_utf8_bom(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"x.py": codecs.BOM_UTF8 + UNAWAITED.encode("utf-8")})
    assert run(capsys, "check", "--fix", "x.py").code == 0
    data = (project / "x.py").read_bytes()
    assert data == codecs.BOM_UTF8 + UNAWAITED_FIXED.encode("utf-8")


def test_fix_keeps_a_latin1_coding_cookie_file_latin1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = example("GL002").replace("\n\n\nasync def rename", "\n# café: naïve\n\nasync def rename", 1)
    assert "café" in code
    header = "# -*- coding: latin-1 -*-\n"
    write(project, {"x.py": (header + code).encode("latin-1")})
    result = run(capsys, "check", "--fix", "x.py")
    assert result.code == 0, result.err
    data = (project / "x.py").read_bytes()
    assert b"caf\xe9: na\xefve" in data
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    expected = header + fixed_example("GL002").replace(
        "\n\n\nasync def rename", "\n# café: naïve\n\nasync def rename", 1
    )
    assert data.decode("latin-1") == expected


def test_fix_preserves_the_file_mode(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"tool.py": UNAWAITED})
    path = project / "tool.py"
    path.chmod(0o750)
    assert run(capsys, "check", "--fix", "tool.py").code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o750
    assert path.read_text(encoding="utf-8") == UNAWAITED_FIXED


def test_fix_writes_through_a_symlink(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"real/x.py": UNAWAITED})
    (project / "link.py").symlink_to(project / "real" / "x.py")
    assert run(capsys, "check", "--fix", "link.py").code == 0
    assert (project / "link.py").is_symlink()
    assert (project / "real" / "x.py").read_text(encoding="utf-8") == UNAWAITED_FIXED


def test_fix_leaves_no_temporary_files(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"a/x.py": UNAWAITED, "a/y.py": example("GL004"), "b/z.py": example("GL006")})
    before = {path.relative_to(project) for path in project.rglob("*")}
    assert run(capsys, "check", "--fix", "--unsafe-fixes", ".").code == 0
    after = {path.relative_to(project) for path in project.rglob("*")}
    assert after == before


def test_fix_failure_to_write_is_reported_and_cleaned_up(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"app/x.py": UNAWAITED})

    def refuse(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("greenlint.core.checker.os.replace", refuse)
    result = run(capsys, "check", "--fix", "app")
    monkeypatch.undo()
    assert result.code == 1
    assert result.err_lines == ["greenlint: app/x.py: cannot write the fixed file: Permission denied"]
    assert (project / "app" / "x.py").read_text(encoding="utf-8") == UNAWAITED
    assert listing(project / "app") == ["x.py"]  # the temporary file is gone


def test_fix_failure_to_write_reports_the_remaining_findings(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"x.py": UNAWAITED})

    def refuse(source: object, target: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("greenlint.core.checker.os.replace", refuse)
    result = run(capsys, "check", "--fix", "x.py")
    monkeypatch.undo()
    assert result.code == 1
    assert "Fixed" not in result.out
    assert "All checks passed!" not in result.out
    assert result.out.startswith("x.py:5:25: GL002 ")


def test_fix_respects_noqa_and_per_file_ignores(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    noqa = UNAWAITED.replace("db.commit()", "db.commit()  # noqa: GL002")
    write(
        project,
        {
            "pyproject.toml": '[tool.greenlint]\nper-file-ignores = {"legacy/*" = ["GL002"]}\n',
            "app/noqa.py": noqa,
            "legacy/old.py": UNAWAITED,
            "app/x.py": UNAWAITED,
        },
    )
    result = run(capsys, "check", "--fix", ".")
    assert result.code == 0
    assert (project / "app" / "noqa.py").read_text(encoding="utf-8") == noqa
    assert (project / "legacy" / "old.py").read_text(encoding="utf-8") == UNAWAITED
    assert (project / "app" / "x.py").read_text(encoding="utf-8") == UNAWAITED_FIXED


def test_fix_with_select_fixes_only_selected_rules(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"x.py": UNAWAITED, "y.py": example("GL004")})
    run(capsys, "check", "--fix", "--select", "GL004", ".")
    assert (project / "x.py").read_text(encoding="utf-8") == UNAWAITED
    assert (project / "y.py").read_text(encoding="utf-8") == fixed_example("GL004")


def test_fix_never_creates_the_cache(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"x.py": UNAWAITED})
    run(capsys, "check", "--fix", ".")
    assert not (project / ".greenlint_cache").exists()


# --- --diff -----------------------------------------------------------------------------------------------


def test_diff_prints_a_unified_diff_and_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/x.py": UNAWAITED, "app/ok.py": CLEAN})
    before = (project / "app" / "x.py").stat()
    result = run(capsys, "check", "--diff", "app")
    assert result.code == 1
    assert result.err == ""
    assert result.out == (
        "--- a/app/x.py\n"
        "+++ b/app/x.py\n"
        "@@ -2,4 +2,4 @@\n"
        " \n"
        " \n"
        " async def rename(db: AsyncSession, user) -> None:\n"
        '-    user.name = "日本語🎉"; db.commit()\n'
        '+    user.name = "日本語🎉"; await db.commit()\n'
    )
    assert (project / "app" / "x.py").read_text(encoding="utf-8") == UNAWAITED
    assert (project / "app" / "x.py").stat().st_mtime_ns == before.st_mtime_ns
    assert not (project / ".greenlint_cache").exists()


def test_diff_applies_with_patch_tools(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"x.py": example("GL002", 1), "y.py": example("GL004")})
    patch = run(capsys, "check", "--diff", ".").out
    (project / "fix.patch").write_text(patch, encoding="utf-8")
    git = subprocess.run(["git", "--version"], capture_output=True, check=False)
    if git.returncode != 0:
        pytest.skip("git is not installed")
    subprocess.run(["git", "apply", "fix.patch"], cwd=project, check=True, capture_output=True)
    assert (project / "x.py").read_text(encoding="utf-8") == fixed_example("GL002", 1)
    assert (project / "y.py").read_text(encoding="utf-8") == fixed_example("GL004")


def test_diff_without_changes_exits_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"ok.py": CLEAN, "y.py": UNFIXABLE})
    result = run(capsys, "check", "--diff", ".")
    assert (result.code, result.out) == (0, "")


def test_diff_shows_unsafe_fixes_only_with_unsafe_fixes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"db.py": example("GL007")})
    safe = run(capsys, "check", "--diff", "db.py")
    assert (safe.code, safe.out) == (0, "")
    unsafe = run(capsys, "check", "--diff", "--unsafe-fixes", "db.py")
    assert unsafe.code == 1
    assert "+++ b/db.py" in unsafe.out
    assert (project / "db.py").read_text(encoding="utf-8") == example("GL007")


def test_diff_wins_over_fix(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"x.py": UNAWAITED})
    result = run(capsys, "check", "--fix", "--diff", "x.py")
    assert result.code == 1
    assert "+++ b/x.py" in result.out
    assert (project / "x.py").read_text(encoding="utf-8") == UNAWAITED


def test_diff_of_a_file_without_final_newline(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"x.py": UNAWAITED.rstrip("\n")})
    out = run(capsys, "check", "--diff", "x.py").out
    assert '-    user.name = "日本語🎉"; db.commit()\n' in out
    assert "\\ No newline at end of file" in out


def test_diff_line_numbers_with_a_form_feed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"x.py": UNAWAITED.replace("\n\n\nasync", "\n\x0c\n# one\u2028line\nasync")})
    out = run(capsys, "check", "--diff", "x.py").out
    hunk = next(line for line in out.splitlines() if line.startswith("@@"))
    assert hunk == "@@ -2,4 +2,4 @@"


def test_fix_in_a_subprocess(tmp_path: Path) -> None:
    write(tmp_path, {"app/x.py": UNAWAITED})
    result = run_process("check", "--fix", "app", cwd=tmp_path)
    assert result.code == 0, result.err
    assert result.out == "Fixed 1 finding, 0 remaining.\nAll checks passed!\n"
    assert (tmp_path / "app" / "x.py").read_text(encoding="utf-8") == UNAWAITED_FIXED
