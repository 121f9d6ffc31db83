"""Which files `greenlint check` looks at: .gitignore, default excludes, `exclude`, explicit files,
per-file-ignores."""

from __future__ import annotations

from pathlib import Path

import pytest

from clitools import UNAWAITED, found, run, write


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def checked(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    """The paths with a finding (every test file holds exactly one GL002)."""
    result = run(capsys, "check", "--no-cache", "--format", "json", *argv)
    assert result.err == "", result.err
    return sorted(path for path, _, _ in found(result))


def test_default_excluded_directories_are_skipped(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = [
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".git",
        ".tox",
        "site-packages",
        ".greenlint_cache",
    ]
    write(project, {f"{name}/x.py": UNAWAITED for name in names})
    write(project, {f"app/{name}/x.py": UNAWAITED for name in names})
    write(project, {"app/x.py": UNAWAITED, "app/node_modules_not.py": UNAWAITED})
    assert checked(capsys) == ["app/node_modules_not.py", "app/x.py"]


def test_only_python_files_are_walked(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        project,
        {"a.py": UNAWAITED, "b.pyw": UNAWAITED, "c.txt": UNAWAITED, "d.pyi": UNAWAITED, "e": UNAWAITED},
    )
    assert checked(capsys) == ["a.py", "b.pyw"]


def test_gitignored_files_and_directories_are_skipped(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / ".git").mkdir()
    write(
        project,
        {
            ".gitignore": "# generated code\nbuild/\n*_pb2.py\n/top_only.py\n!keep_pb2.py\n",
            "build/x.py": UNAWAITED,
            "app/build/x.py": UNAWAITED,
            "app/api_pb2.py": UNAWAITED,
            "app/keep_pb2.py": UNAWAITED,
            "top_only.py": UNAWAITED,
            "app/top_only.py": UNAWAITED,
            "app/x.py": UNAWAITED,
            "app/sub/.gitignore": "local.py\n",
            "app/sub/local.py": UNAWAITED,
            "app/local.py": UNAWAITED,
        },
    )
    expected = ["app/keep_pb2.py", "app/local.py", "app/top_only.py", "app/x.py"]
    assert checked(capsys) == expected
    assert checked(capsys, ".") == expected


def test_gitignore_of_the_repository_applies_to_a_subdirectory(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".git").mkdir()
    write(project, {".gitignore": "generated_*.py\n", "pkg/generated_a.py": UNAWAITED, "pkg/x.py": UNAWAITED})
    assert checked(capsys, "pkg") == ["pkg/x.py"]
    monkeypatch.chdir(project / "pkg")
    assert checked(capsys, ".") == ["x.py"]


def test_an_ignored_directory_named_on_the_command_line_is_checked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".git").mkdir()
    write(project, {".gitignore": "generated/\n", "generated/x.py": UNAWAITED, "app/x.py": UNAWAITED})
    assert checked(capsys) == ["app/x.py"]
    assert checked(capsys, "generated") == ["generated/x.py"]


def test_explicit_files_are_checked_even_if_ignored_or_excluded(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / ".git").mkdir()
    write(
        project,
        {
            ".gitignore": "ignored.py\n",
            "pyproject.toml": '[tool.greenlint]\nexclude = ["excluded.py"]\n',
            "ignored.py": UNAWAITED,
            "excluded.py": UNAWAITED,
            ".venv/lib/x.py": UNAWAITED,
            "script.txt": UNAWAITED,
        },
    )
    assert checked(capsys) == []
    assert checked(capsys, "ignored.py", "excluded.py", ".venv/lib/x.py", "script.txt") == [
        ".venv/lib/x.py",
        "excluded.py",
        "ignored.py",
        "script.txt",
    ]


def test_configured_exclude(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        project,
        {
            "pyproject.toml": '[tool.greenlint]\nexclude = ["legacy/", "gen_*.py", "/app/skip_me.py"]\n',
            "legacy/x.py": UNAWAITED,
            "app/legacy/x.py": UNAWAITED,
            "app/gen_models.py": UNAWAITED,
            "app/skip_me.py": UNAWAITED,
            "lib/skip_me.py": UNAWAITED,
            "app/x.py": UNAWAITED,
        },
    )
    assert checked(capsys) == ["app/x.py", "lib/skip_me.py"]
    assert checked(capsys, "app") == ["app/x.py"]


def test_exclude_patterns_are_relative_to_the_configuration(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        project,
        {
            "pyproject.toml": '[tool.greenlint]\nexclude = ["/src/vendor"]\n',
            "src/vendor/x.py": UNAWAITED,
            "src/x.py": UNAWAITED,
        },
    )
    monkeypatch.chdir(project / "src")
    assert checked(capsys, ".") == ["x.py"]
    assert checked(capsys, str(project / "src")) == [str(project / "src" / "x.py")]


def test_per_file_ignores(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        project,
        {
            "pyproject.toml": (
                "[tool.greenlint.per-file-ignores]\n"
                '"tests/*" = ["GL002"]\n'
                '"**/migrations/*.py" = ["unawaited-async-call"]\n'
                '"scripts/*" = ["GL003"]\n'
            ),
            "tests/test_x.py": UNAWAITED,
            "app/migrations/env.py": UNAWAITED,
            "scripts/x.py": UNAWAITED,
            "app/x.py": UNAWAITED,
        },
    )
    assert checked(capsys) == ["app/x.py", "scripts/x.py"]
    assert checked(capsys, "tests/test_x.py") == []  # per-file-ignores apply to explicit files too


def test_per_file_ignores_with_the_cache(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two files with the same text share a cache entry; the ignore of one must not leak to the other."""
    write(
        project,
        {
            "pyproject.toml": '[tool.greenlint]\nper-file-ignores = {"tests/*" = ["GL002"]}\n',
            "tests/x.py": UNAWAITED,
            "app/x.py": UNAWAITED,
        },
    )
    for _ in range(2):
        result = run(capsys, "check", "--format", "json")
        assert sorted(path for path, _, _ in found(result)) == ["app/x.py"]


def test_overlapping_arguments_report_a_file_once(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/x.py": UNAWAITED})
    assert checked(capsys, "app", "app/x.py") == ["app/x.py"]
    assert run(capsys, "check", "--diff", "app", "app/x.py").out.count("+++ b/app/x.py") == 1
