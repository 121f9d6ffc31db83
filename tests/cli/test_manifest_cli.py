"""Dependency manifests through the command line: found by walking or named, reported in every output format,
fixed and shown as diffs like Python files, never served stale from the cache, selected and suppressed."""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path

import pytest
from sarif_pydantic import Sarif

from casetools import APP, PYPROJECT, PYPROJECT_FIXED, SYNC_APP
from clitools import apply_edits, found, run, run_process, write
from greenlint.rules import docs
from greenlint.rules.registry import rule_for

LINE, COLUMN, END_COLUMN = 6, 5, 22  # the quoted "sqlalchemy>=2.1"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"app/__init__.py": "", "app/db.py": APP, "pyproject.toml": PYPROJECT})
    return tmp_path


def test_walked_manifest_is_reported_in_text(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "check", "--no-cache", ".")
    assert result.code == 1
    assert result.err == ""
    [line, summary, hint] = result.out.splitlines()
    assert line.startswith(f"pyproject.toml:{LINE}:{COLUMN}: GL301 [*] `sqlalchemy>=2.1` can install SQLAlchemy 2.1")
    assert "app/db.py imports it" in line
    assert summary == "Found 1 finding (1 error)."
    assert hint == "[*] 1 fixable with --fix."


def test_json_record_and_its_edit(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    [record] = run(capsys, "check", "--no-cache", "--format", "json").json()
    assert {key: record[key] for key in ("path", "line", "column", "end_line", "end_column", "code", "name")} == {
        "path": "pyproject.toml",
        "line": LINE,
        "column": COLUMN,
        "end_line": LINE,
        "end_column": END_COLUMN,
        "code": "GL301",
        "name": "missing-async-dependency",
    }
    assert record["severity"] == "error"
    assert record["url"].endswith("/docs/rules/GL301.md")
    fix = record["fix"]
    assert fix["applicability"] == "safe"
    assert fix["edits"] == [
        {
            "path": "pyproject.toml",
            "line": LINE,
            "column": 16,
            "end_line": LINE,
            "end_column": 16,
            "new_text": "[asyncio]",
        }
    ]
    assert apply_edits(PYPROJECT, fix["edits"]) == PYPROJECT_FIXED


def test_sarif_and_github(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sarif = Sarif.model_validate(json.loads(run(capsys, "check", "--no-cache", "--format", "sarif").out))
    [result] = sarif.runs[0].results or []
    assert result.rule_id == "GL301"
    assert result.locations is not None
    physical = result.locations[0].physical_location
    assert physical is not None and physical.artifact_location is not None and physical.region is not None
    assert (physical.artifact_location.uri, physical.region.start_line, physical.region.start_column) == (
        "pyproject.toml",
        LINE,
        COLUMN,
    )
    assert result.fixes is not None and len(result.fixes) == 1
    [github] = run(capsys, "check", "--no-cache", "--format", "github").out.splitlines()
    assert github.startswith(
        f"::error file=pyproject.toml,line={LINE},col={COLUMN},endLine={LINE},endColumn={END_COLUMN},"
        "title=GL301 missing-async-dependency::"
    )


def test_fix_writes_the_manifest_and_fixing_again_changes_nothing(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "check", "--fix")
    assert (result.code, result.err) == (0, "")
    assert result.out == "Fixed 1 finding, 0 remaining.\nAll checks passed!\n"
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == PYPROJECT_FIXED
    assert [path.name for path in project.iterdir() if path.name.endswith(".tmp")] == []
    again = run(capsys, "check", "--fix")
    assert again.out == "All checks passed!\n"
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == PYPROJECT_FIXED


def test_fix_keeps_crlf_bom_and_the_missing_final_newline(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "fastapi\r\nsqlalchemy>=2.1  # the ORM\r\nuvicorn"
    write(project, {"requirements.txt": codecs.BOM_UTF8 + text.encode("utf-8")})
    (project / "pyproject.toml").unlink()
    result = run(capsys, "check", "--fix", "--format", "json")
    assert result.err == ""
    assert (project / "requirements.txt").read_bytes() == codecs.BOM_UTF8 + (
        b"fastapi\r\nsqlalchemy[asyncio]>=2.1  # the ORM\r\nasyncpg\r\nuvicorn"
    )


def test_diff_shows_the_manifest_edit_and_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "check", "--diff")
    assert result.code == 1
    assert result.out == (
        "--- a/pyproject.toml\n+++ b/pyproject.toml\n@@ -3,6 +3,6 @@\n"
        ' version = "1.0"\n dependencies = [\n     "fastapi>=0.110",\n'
        '-    "sqlalchemy>=2.1",\n+    "sqlalchemy[asyncio]>=2.1",\n     "asyncpg>=0.29",\n ]\n'
    )
    assert (project / "pyproject.toml").read_text(encoding="utf-8") == PYPROJECT


def test_a_named_manifest_is_checked_against_its_project(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert found(run(capsys, "check", "--no-cache", "--format", "json", "pyproject.toml")) == [
        ("pyproject.toml", LINE, "GL301")
    ]
    write(project, {"other/requirements.txt": "sqlalchemy\n"})
    assert found(run(capsys, "check", "--no-cache", "--format", "json", "other/requirements.txt")) == []
    # a Python file named alone: its manifest is not checked
    assert found(run(capsys, "check", "--no-cache", "--format", "json", "app/db.py")) == []


def test_requirements_directory_and_nested_projects(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        project,
        {
            "requirements/base.txt": "sqlalchemy\n",
            "requirements/dev.txt": "-r base.txt\npytest\n",
            "worker/setup.cfg": "[options]\ninstall_requires =\n    sqlalchemy>=2.0\n",
            "worker/job.py": SYNC_APP,
        },
    )
    records = run(capsys, "check", "--no-cache", "--format", "json").json()
    assert sorted((r["path"], r["line"], r["code"]) for r in records) == [
        ("pyproject.toml", LINE, "GL301"),
        ("requirements/base.txt", 1, "GL301"),
        ("requirements/base.txt", 1, "GL301"),  # and asyncpg is missing
    ]


def test_the_cache_never_serves_a_stale_manifest_result(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def codes() -> list[tuple[str, int, str]]:
        return [item for item in found(run(capsys, "check", "--format", "json")) if item[2] == "GL301"]

    assert codes() == [("pyproject.toml", LINE, "GL301")]
    assert (project / ".greenlint_cache").is_dir()
    write(project, {"app/db.py": SYNC_APP})  # no asyncio extension any more
    assert codes() == []
    write(project, {"app/db.py": APP})
    assert codes() == [("pyproject.toml", LINE, "GL301")]
    write(project, {"app/extra.py": 'from sqlalchemy import create_engine\ne = create_engine("sqlite+aiosqlite://")\n'})
    assert codes() == [("pyproject.toml", 4, "GL301"), ("pyproject.toml", LINE, "GL301")]  # aiosqlite missing


def test_selection_severity_and_suppression(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", "--no-cache", "--ignore", "GL3").out == "All checks passed!\n"
    assert found(run(capsys, "check", "--no-cache", "--format", "json", "--select", "GL301"))
    config = '\n[tool.greenlint]\nseverity = { missing-async-dependency = "warning" }\n'
    write(project, {"pyproject.toml": PYPROJECT + config})
    [record] = run(capsys, "check", "--no-cache", "--format", "json").json()
    assert record["severity"] == "warning"
    config = '\n[tool.greenlint]\nper-file-ignores = { "pyproject.toml" = ["GL301"] }\n'
    write(project, {"pyproject.toml": PYPROJECT + config})
    assert run(capsys, "check", "--no-cache").out == "All checks passed!\n"
    write(project, {"pyproject.toml": PYPROJECT.replace('>=2.1",', '>=2.1",  # noqa: GL301')})
    assert run(capsys, "check", "--no-cache").out == "All checks passed!\n"


def test_a_broken_manifest_gets_a_clear_message(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"pyproject.toml": '[project]\ndependencies = ["sqlalchemy>=2.1"\nname = "x"\n'})
    result = run(capsys, "check", "--no-cache")
    assert result.err_lines == [
        "greenlint: pyproject.toml:3:1: not checked: invalid TOML: Unclosed array",
    ]
    assert result.code == 1
    assert result.out == "No findings in the files that could be checked.\n"
    fixing = run(capsys, "check", "--fix")
    assert fixing.err_lines == result.err_lines
    write(project, {"pyproject.toml": "[project\n"})  # broken, but about something else: not read
    assert run(capsys, "check", "--no-cache").code == 0


def test_projects_without_the_asyncio_extension_are_not_reported(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, {"app/db.py": SYNC_APP})
    assert run(capsys, "check", "--no-cache").out == "All checks passed!\n"


def test_rule_commands_show_gl301(capsys: pytest.CaptureFixture[str]) -> None:
    listing = run(capsys, "rules").out.splitlines()
    assert re.match(r"GL301  missing-async-dependency\s+error\s+The manifest can install SQLAlchemy 2.1", listing[-1])
    rule = rule_for("GL301")
    assert rule is not None
    assert run(capsys, "rule", "missing-async-dependency").out == docs.render(rule)
    page = docs.render(rule)
    assert "```toml\n" in page and "```ini\n" in page and "# expect" not in page


def test_in_a_subprocess(project: Path) -> None:
    result = run_process("check", "--no-cache", "--format", "json", ".", cwd=project)
    assert result.code == 1, result.err
    assert [(r["path"], r["line"], r["code"]) for r in json.loads(result.out)] == [("pyproject.toml", LINE, "GL301")]
