"""Output formats of `greenlint check`: json (field by field), sarif (validated), github annotations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sarif_pydantic import Sarif

from clitools import (
    ALL_CODES,
    CLEAN,
    UNAWAITED,
    UNAWAITED_COLUMN,
    UNAWAITED_END_COLUMN,
    UNAWAITED_FIXED,
    UNAWAITED_LINE,
    UNFIXABLE,
    apply_edits,
    example,
    found,
    run,
    write,
)
from greenlint.core.autofix import compiles
from greenlint.rules.manifest import ManifestExample
from greenlint.rules.registry import ALL_RULES, rule_for

GL002_MESSAGE = (
    "`db.commit()` is never awaited: the transaction is never committed and its changes are silently lost "
    "(only a RuntimeWarning is logged); add `await`"
)
GL002_URL = "https://github.com/greenlint/greenlint/blob/main/docs/rules/GL002.md"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"app/x.py": UNAWAITED})
    return tmp_path


def expected_record(path: str) -> dict[str, Any]:
    return {
        "path": path,
        "line": UNAWAITED_LINE,
        "column": UNAWAITED_COLUMN,
        "end_line": UNAWAITED_LINE,
        "end_column": UNAWAITED_END_COLUMN,
        "code": "GL002",
        "name": "unawaited-async-call",
        "severity": "error",
        "message": GL002_MESSAGE,
        "url": GL002_URL,
        "fix": {
            "message": "Add await",
            "applicability": "safe",
            "edits": [
                {
                    "path": path,
                    "line": UNAWAITED_LINE,
                    "column": UNAWAITED_COLUMN,
                    "end_line": UNAWAITED_LINE,
                    "end_column": UNAWAITED_COLUMN,
                    "new_text": "await ",
                }
            ],
        },
    }


# --- json -------------------------------------------------------------------------------------------------


def test_json_finding_field_by_field(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    assert result.code == 1
    assert result.err == ""
    records = json.loads(result.out)
    assert isinstance(records, list)
    assert len(records) == 1
    record = records[0]
    assert list(record) == [
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "code",
        "name",
        "severity",
        "message",
        "url",
        "fix",
    ]
    assert record["path"] == "app/x.py"
    assert record["line"] == 5
    # `    user.name = "日本語🎉"; ` is 24 code points (36 UTF-8 bytes, 25 UTF-16 units): 1-based column 25.
    assert record["column"] == 25 == UNAWAITED_COLUMN
    assert record["end_line"] == 5
    assert record["end_column"] == 36
    assert record["code"] == "GL002"
    assert record["name"] == "unawaited-async-call"
    assert record["severity"] == "error"
    assert record["message"] == GL002_MESSAGE
    assert record["url"] == GL002_URL
    fix = record["fix"]
    assert list(fix) == ["message", "applicability", "edits"]
    assert fix["message"] == "Add await"
    assert fix["applicability"] == "safe"
    assert fix["edits"] == [
        {"path": "app/x.py", "line": 5, "column": 25, "end_line": 5, "end_column": 25, "new_text": "await "}
    ]
    assert list(fix["edits"][0]) == ["path", "line", "column", "end_line", "end_column", "new_text"]
    assert record == expected_record("app/x.py")


def test_json_span_covers_exactly_the_call(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = run(capsys, "check", "--no-cache", "--format", "json", "app").json()[0]
    line = UNAWAITED.splitlines()[record["line"] - 1]
    assert line[record["column"] - 1 : record["end_column"] - 1] == "db.commit()"


def test_applying_the_json_edits_removes_the_finding(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    record = run(capsys, "check", "--no-cache", "--format", "json", "app").json()[0]
    fixed = apply_edits(UNAWAITED, record["fix"]["edits"])
    assert fixed == UNAWAITED_FIXED
    (project / "app" / "x.py").write_text(fixed, encoding="utf-8")
    result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    assert (result.code, result.json()) == (0, [])


def test_json_edits_in_a_crlf_file(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crlf = UNAWAITED.replace("\n", "\r\n")
    (project / "app" / "x.py").write_bytes(crlf.encode("utf-8"))
    record = run(capsys, "check", "--no-cache", "--format", "json", "app").json()[0]
    assert (record["line"], record["column"]) == (UNAWAITED_LINE, UNAWAITED_COLUMN)
    assert apply_edits(crlf, record["fix"]["edits"]) == UNAWAITED_FIXED.replace("\n", "\r\n")


def test_json_lines_count_only_python_line_breaks(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Form feeds and U+2028 in comments do not start lines for Python, nor for the reported positions."""
    text = UNAWAITED.replace("\n\n\nasync", "\n\x0c\n# one\u2028line\nasync")
    assert text.count("\n") == UNAWAITED.count("\n")
    (project / "app" / "x.py").write_text(text, encoding="utf-8")
    record = run(capsys, "check", "--no-cache", "--format", "json", "app").json()[0]
    assert (record["line"], record["column"]) == (UNAWAITED_LINE, UNAWAITED_COLUMN)
    fixed = apply_edits(text, record["fix"]["edits"])
    assert fixed == UNAWAITED_FIXED.replace("\n\n\nasync", "\n\x0c\n# one\u2028line\nasync")


@pytest.mark.parametrize(
    ("cwd", "target", "shown"),
    [
        (".", "app", "app/x.py"),
        (".", "app/", "app/x.py"),
        (".", "./app", "app/x.py"),
        (".", ".", "app/x.py"),
        (".", "app/x.py", "app/x.py"),
        (".", "./app/x.py", "app/x.py"),
        ("app", ".", "x.py"),
        ("app", "x.py", "x.py"),
        ("app", "./x.py", "x.py"),
        ("other", "../app", "../app/x.py"),
        ("other", "../app/x.py", "../app/x.py"),
    ],
)
def test_json_paths_are_shown_as_given(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    cwd: str,
    target: str,
    shown: str,
) -> None:
    (project / "other").mkdir()
    monkeypatch.chdir(project / cwd)
    record = run(capsys, "check", "--no-cache", "--format", "json", target).json()[0]
    assert record["path"] == shown
    assert record["fix"]["edits"][0]["path"] == shown
    assert not record["path"].startswith("./")


@pytest.mark.parametrize("target", ["app", "app/x.py"])
def test_json_paths_are_absolute_when_given_absolute(
    project: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    absolute = str(project / target)
    records = run(capsys, "check", "--no-cache", "--format", "json", absolute).json()
    assert records == [expected_record(str(project / "app" / "x.py"))]


def test_json_finding_without_fix_has_null_fix(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/x.py": UNFIXABLE})
    records = run(capsys, "check", "--no-cache", "--format", "json", "app").json()
    assert len(records) == 1
    assert records[0]["code"] == "GL002"
    assert (records[0]["line"], records[0]["column"]) == (5, 5)
    assert "fix" in records[0]
    assert records[0]["fix"] is None


def test_json_clean_is_an_empty_array(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/x.py": CLEAN})
    result = run(capsys, "check", "--no-cache", "--format", "json")
    assert (result.code, result.out) == (0, "[]\n")


def test_json_findings_are_grouped_by_file_and_sorted_by_position(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, {"app/a.py": example("GL002"), "app/b/c.py": example("GL004"), "app/z.py": example("GL006")})
    result = found(run(capsys, "check", "--no-cache", "--format", "json"))
    paths = [path for path, _, _ in result]
    assert set(paths) == {"app/a.py", "app/b/c.py", "app/x.py", "app/z.py"}
    groups = [path for index, path in enumerate(paths) if index == 0 or paths[index - 1] != path]
    assert len(groups) == len(set(groups))  # each file's findings are contiguous
    for path in groups:
        lines = [line for p, line, _ in result if p == path]
        assert lines == sorted(lines)
    assert found(run(capsys, "check", "--no-cache", "--format", "json")) == result  # deterministic


@pytest.mark.parametrize(
    ("code", "index"),
    [
        (rule.code, index)
        for rule in ALL_RULES
        for index, item in enumerate(rule.examples)
        if not item.valid and item.fixed is not None
    ],
)
def test_every_offered_json_fix_removes_its_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], code: str, index: int
) -> None:
    """For each finding with a fix in a rule example, its edits alone make that finding go away.

    A manifest rule's example is the manifest of a project whose module is the example's `project`."""
    monkeypatch.chdir(tmp_path)
    text = example(code, index)
    rule = rule_for(code)
    assert rule is not None
    item = rule.examples[index]
    name = "x.py"
    if isinstance(item, ManifestExample):
        name = item.filename
        write(tmp_path, {"app/__init__.py": "", "app/db.py": item.project})
    write(tmp_path, {name: text})
    records = run(capsys, "check", "--no-cache", "--format", "json", name).json()
    assert records
    for record in records:
        if record["fix"] is None:
            continue
        edits = record["fix"]["edits"]
        assert edits and all(edit["path"] == name for edit in edits)
        fixed = apply_edits(text, edits)
        assert fixed != text
        if name.endswith(".py") and compiles(text):
            compile(fixed, name, "exec")
        (tmp_path / name).write_text(fixed, encoding="utf-8")
        after = run(capsys, "check", "--no-cache", "--format", "json", name).json()
        before_count = sum(1 for r in records if r["code"] == record["code"])
        after_count = sum(1 for r in after if r["code"] == record["code"])
        assert after_count < before_count, (record["line"], record["code"])


# --- sarif ------------------------------------------------------------------------------------------------


def sarif_of(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[dict[str, Any], Sarif]:
    result = run(capsys, "check", "--no-cache", "--format", "sarif", *argv)
    assert result.err == ""
    data = json.loads(result.out)
    return data, Sarif.model_validate(data)


def test_sarif_log_is_valid_and_describes_every_rule(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data, log = sarif_of(capsys, "app")
    assert data["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log.schema_uri == data["$schema"]
    assert log.version == "2.1.0"
    assert len(log.runs) == 1
    driver = log.runs[0].tool.driver
    assert driver.name == "greenlint"
    assert driver.rules is not None
    assert [rule.id for rule in driver.rules] == ALL_CODES
    for descriptor, rule in zip(driver.rules, ALL_RULES, strict=True):
        assert descriptor.id == rule.code
        assert descriptor.name == rule.name
        assert descriptor.help_uri == f"https://github.com/greenlint/greenlint/blob/main/docs/rules/{rule.code}.md"
        assert descriptor.short_description is not None
        assert descriptor.short_description.text == rule.summary
    assert data["runs"][0]["columnKind"] == "unicodeCodePoints"


def test_sarif_result_of_the_gl002_finding(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, log = sarif_of(capsys, "app")
    results = log.runs[0].results
    assert results is not None and len(results) == 1
    result = results[0]
    assert result.rule_id == "GL002"
    assert log.runs[0].tool.driver.rules is not None
    assert result.rule_index is not None
    assert log.runs[0].tool.driver.rules[result.rule_index].id == "GL002"
    assert result.level is not None and result.level.value == "error"
    assert result.message.text == GL002_MESSAGE
    assert result.locations is not None and len(result.locations) == 1
    physical = result.locations[0].physical_location
    assert physical is not None
    assert physical.artifact_location is not None
    assert physical.artifact_location.uri == "app/x.py"
    region = physical.region
    assert region is not None
    assert (region.start_line, region.start_column, region.end_line, region.end_column) == (5, 25, 5, 36)
    assert result.fixes is not None and len(result.fixes) == 1
    fix = result.fixes[0]
    assert fix.description is not None and fix.description.text == "Add await"
    assert len(fix.artifact_changes) == 1
    change = fix.artifact_changes[0]
    assert change.artifact_location.uri == "app/x.py"
    assert len(change.replacements) == 1
    replacement = change.replacements[0]
    deleted = replacement.deleted_region
    assert (deleted.start_line, deleted.start_column, deleted.end_line, deleted.end_column) == (5, 25, 5, 25)
    assert replacement.inserted_content is not None
    assert replacement.inserted_content.text == "await "


def test_sarif_levels_follow_severities(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        project,
        {"app/gl001.py": example("GL001"), "app/gl003.py": example("GL003"), "app/x.py": UNFIXABLE},
    )
    _, log = sarif_of(capsys, "app")
    results = log.runs[0].results
    assert results is not None
    levels = {(r.rule_id, r.level.value if r.level else None) for r in results}
    assert levels == {("GL001", "warning"), ("GL008", "warning"), ("GL003", "note"), ("GL002", "error")}
    unfixable = [r for r in results if r.rule_id == "GL002"]
    assert unfixable[0].fixes is None
    rules = log.runs[0].tool.driver.rules
    assert rules is not None
    defaults = {rule.id: rule.default_configuration.level for rule in rules if rule.default_configuration}
    assert defaults["GL001"] == "warning" and defaults["GL003"] == "note" and defaults["GL002"] == "error"


def test_sarif_without_findings_is_valid(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/x.py": CLEAN})
    result = run(capsys, "check", "--no-cache", "--format", "sarif")
    assert result.code == 0
    log = Sarif.model_validate_json(result.out)
    assert log.runs[0].results == []
    assert log.runs[0].tool.driver.rules is not None and len(log.runs[0].tool.driver.rules) == len(ALL_CODES)


def test_sarif_absolute_path_uri(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, log = sarif_of(capsys, str(project / "app"))
    results = log.runs[0].results
    assert results is not None
    location = results[0].locations[0].physical_location  # type: ignore[index]
    assert location is not None and location.artifact_location is not None
    uri = location.artifact_location.uri
    assert uri is not None
    assert uri.endswith("/app/x.py")
    assert uri in {(project / "app" / "x.py").as_posix(), (project / "app" / "x.py").as_uri()}


def test_sarif_uri_is_percent_encoded(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"my app/データ.py": UNAWAITED})
    _, log = sarif_of(capsys, "my app")
    results = log.runs[0].results
    assert results is not None
    location = results[0].locations[0].physical_location  # type: ignore[index]
    assert location is not None and location.artifact_location is not None
    assert location.artifact_location.uri == "my%20app/%E3%83%87%E3%83%BC%E3%82%BF.py"


# --- github -----------------------------------------------------------------------------------------------


def test_github_annotation_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "check", "--no-cache", "--format", "github", "app")
    assert result.code == 1
    assert result.out == (
        "::error file=app/x.py,line=5,col=25,endLine=5,endColumn=36,title=GL002 unawaited-async-call::"
        f"{GL002_MESSAGE}\n"
    )


def test_github_levels(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/gl001.py": example("GL001"), "app/gl003.py": example("GL003")})
    lines = run(capsys, "check", "--no-cache", "--format", "github", "app").out.splitlines()
    by_title = {line.split("title=")[1].split("::")[0]: line.split(" ", 1)[0] for line in lines}
    assert by_title == {
        "GL001 sync-engine-for-async-code": "::warning",
        "GL008 blocking-session-in-async-def": "::warning",
        "GL003 session-annotation-mismatch": "::notice",
        "GL002 unawaited-async-call": "::error",
    }
    gl003 = next(line for line in lines if "GL003" in line)
    assert gl003.startswith("::notice file=app/gl003.py,line=15,col=")


def test_github_escapes_property_values(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"a,b:c%d.py": UNAWAITED})
    lines = run(capsys, "check", "--no-cache", "--format", "github", "a,b:c%d.py").out.splitlines()
    assert lines == [
        "::error file=a%2Cb%3Ac%25d.py,line=5,col=25,endLine=5,endColumn=36,"
        "title=GL002 unawaited-async-call::" + GL002_MESSAGE
    ]


def test_github_clean_prints_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/x.py": CLEAN})
    result = run(capsys, "check", "--no-cache", "--format", "github")
    assert (result.code, result.out) == (0, "")
