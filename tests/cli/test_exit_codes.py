"""Exit codes and messages of `greenlint check`: clean, findings, usage errors, missing paths."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clitools import CLEAN, UNAWAITED, run, run_process, write


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_clean_project_exits_0_with_all_checks_passed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/ok.py": CLEAN})
    result = run(capsys, "check", "--no-cache")
    assert result.code == 0
    assert result.out == "All checks passed!\n"
    assert result.err == ""


def test_empty_directory_is_clean(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "check", "--no-cache", ".")
    assert (result.code, result.out, result.err) == (0, "All checks passed!\n", "")


def test_findings_exit_1_with_a_summary(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/x.py": UNAWAITED, "app/ok.py": CLEAN})
    result = run(capsys, "check", "--no-cache", "app")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[0].startswith("app/x.py:5:25: GL002 [*] `db.commit()` is never awaited")
    assert lines[1:] == ["Found 1 finding (1 error).", "[*] 1 fixable with --fix."]
    assert result.err == ""


@pytest.mark.parametrize(
    "argv",
    [
        ("check", "--select", "GL999"),
        ("check", "--select", "GL002,nope"),
        ("check", "--ignore", "not-a-rule"),
        ("check", "--format", "xml"),
        ("check", "--bogus-option"),
        ("frobnicate",),
        (),
    ],
)
def test_usage_errors_exit_2(project: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    write(project, {"x.py": UNAWAITED})
    result = run(capsys, *argv)
    assert result.code == 2
    assert result.out == ""
    assert "usage: greenlint" in result.err


def test_unknown_selector_message_names_the_selector(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "check", "--select", "GL999")
    assert result.code == 2
    assert "unknown rule selector 'GL999'" in result.err


def test_nonexistent_path_alone_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "check", "--no-cache", "missing_dir")
    assert result.code == 2
    assert result.err_lines == ["greenlint: missing_dir: no such file or directory"]


def test_nonexistent_path_next_to_a_real_one(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"ok.py": CLEAN})
    result = run(capsys, "check", "--no-cache", "missing.py", "ok.py")
    assert result.err_lines == ["greenlint: missing.py: no such file or directory"]
    assert result.code == 1  # something was checked, but not everything that was asked for


def test_text_output_does_not_claim_success_when_nothing_was_checked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, {"bad.py": "import sqlalchemy\ndef broken(:\n    pass\n"})
    missing = run(capsys, "check", "--no-cache", "missing_dir")
    broken = run(capsys, "check", "--no-cache", "bad.py")
    assert missing.code == 2 and broken.code == 1
    assert "All checks passed!" not in missing.out
    assert "All checks passed!" not in broken.out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from greenlint import __version__

    result = run(capsys, "--version")
    assert result.code == 0
    assert result.out.strip() == f"greenlint {__version__}"


def test_console_entry_exit_codes(tmp_path: Path) -> None:
    """A real `python -m greenlint` process: 1 with findings, 0 when clean, 2 for a usage error."""
    write(tmp_path, {"dirty/x.py": UNAWAITED, "clean/ok.py": CLEAN})
    dirty = run_process("check", "--no-cache", "dirty", cwd=tmp_path)
    assert dirty.code == 1, dirty.err
    assert dirty.out.startswith("dirty/x.py:5:25: GL002 [*] ")
    clean = run_process("check", "--no-cache", "clean", cwd=tmp_path)
    assert (clean.code, clean.out) == (0, "All checks passed!\n")
    usage = run_process("check", "--select", "GL9", cwd=tmp_path)
    assert usage.code == 2
    assert "unknown rule selector 'GL9'" in usage.err
    assert not (tmp_path / ".greenlint_cache").exists()


def test_installed_greenlint_script(tmp_path: Path) -> None:
    """The `greenlint` console script of the environment (project.scripts) runs the same CLI."""
    script = Path(sys.executable).parent / "greenlint"
    found_script = str(script) if script.exists() else shutil.which("greenlint")
    if found_script is None:
        pytest.skip("the greenlint console script is not installed")
    write(tmp_path, {"x.py": UNAWAITED})
    completed = subprocess.run(
        [found_script, "check", "--no-cache", "--format", "json", "x.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
        timeout=120,
    )
    assert completed.returncode == 1, completed.stderr
    assert '"path": "x.py"' in completed.stdout
    assert '"code": "GL002"' in completed.stdout
