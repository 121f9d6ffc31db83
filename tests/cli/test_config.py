"""`[tool.greenlint]` in pyproject.toml: broken configurations, select/ignore, severity overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from clitools import UNAWAITED, example, found, run, write


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Four files, one finding each: GL002 (error), GL003 (information), GL004 (error), GL008 (warning)."""
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        {
            "app/gl002.py": UNAWAITED,
            "app/gl003.py": example("GL003"),
            "app/gl004.py": example("GL004", 1),
            "app/gl008.py": example("GL008", 1),
        },
    )
    return tmp_path


ALL = [
    ("app/gl002.py", 5, "GL002"),
    ("app/gl003.py", 15, "GL003"),
    ("app/gl004.py", 5, "GL004"),
    ("app/gl008.py", 6, "GL008"),
]


def configure(root: Path, body: str) -> Path:
    path = root / "pyproject.toml"
    path.write_text('[project]\nname = "app"\nversion = "1"\n\n' + body, encoding="utf-8")
    return path


def codes(result_codes: list[tuple[str, int, str]]) -> list[str]:
    return [code for _, _, code in result_codes]


def test_without_configuration_every_rule_runs(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "check", "--no-cache", "--format", "json")
    assert result.code == 1
    assert found(result) == ALL


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("[tool.greenlint]\nselect = [\n", "invalid TOML"),
        ("[tool.greenlint]\nselect = ['GL002'\nignore = []\n", "invalid TOML"),
        ("[tool.greenlint]\nbogus = 1\n", "unknown key 'bogus'"),
        ("[tool.greenlint]\nselect = 3\n", "select must be a list of strings, got 3"),
        ("[tool.greenlint]\nselect = 'GL002'\n", "select must be a list of strings"),
        ("[tool.greenlint]\nignore = [2]\n", "ignore must be a list of strings"),
        ("[tool.greenlint]\nselect = ['GL999']\n", "unknown rule selector 'GL999'"),
        ("[tool.greenlint]\nignore = ['no-such-rule']\n", "unknown rule selector 'no-such-rule'"),
        ('[tool.greenlint]\nseverity = {GL002 = "fatal"}\n', "severity of GL002 must be"),
        ("[tool.greenlint]\nseverity = {GL002 = 1}\n", "severity of GL002 must be"),
        ('[tool.greenlint]\nseverity = {GL999 = "warning"}\n', "unknown rule selector 'GL999'"),
        ("[tool.greenlint]\nseverity = ['GL002']\n", "severity must be a table"),
        ('[tool.greenlint]\nexclude = "build"\n', "exclude must be a list of glob strings"),
        ("[tool.greenlint]\nper-file-ignores = ['tests/*']\n", "per-file-ignores must be a table"),
        ('[tool.greenlint]\nper-file-ignores = {"tests/*" = "GL002"}\n', "must be a list of strings"),
        ('[tool.greenlint]\nper-file-ignores = {"tests/*" = ["GL42"]}\n', "unknown rule selector 'GL42'"),
    ],
)
@pytest.mark.parametrize("target", [".", "app", "app/gl002.py"])
def test_broken_configuration_exits_2_with_one_line_naming_the_file(
    project: Path, capsys: pytest.CaptureFixture[str], body: str, problem: str, target: str
) -> None:
    config = configure(project, body)
    result = run(capsys, "check", "--no-cache", target)
    assert result.code == 2
    assert result.out == ""
    assert len(result.err_lines) == 1, result.err
    line = result.err_lines[0]
    assert line.startswith("greenlint: error: ")
    assert str(config) in line
    assert problem in line
    assert "Traceback" not in result.err


def test_broken_configuration_is_reported_for_every_format(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(project, "[tool.greenlint]\nselect = 3\n")
    for output_format in ("json", "sarif", "github"):
        result = run(capsys, "check", "--no-cache", "--format", output_format)
        assert result.code == 2
        assert result.out == ""
        assert len(result.err_lines) == 1


def test_configuration_as_an_inline_table_is_honoured(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(project, '[tool]\ngreenlint = { select = ["GL003"] }\n')
    result = run(capsys, "check", "--no-cache", "--format", "json")
    assert codes(found(result)) == ["GL003"]


def test_tool_greenlint_that_is_not_a_table_is_an_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = configure(project, "[tool]\ngreenlint = 3\n")
    result = run(capsys, "check", "--no-cache")
    assert result.code == 2
    assert result.err_lines == [f"greenlint: error: {config}: [tool.greenlint] must be a table"]


def test_pyproject_without_greenlint_table_is_ignored_even_if_invalid(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text("[project\nname = ", encoding="utf-8")
    result = run(capsys, "check", "--no-cache", "--format", "json")
    assert result.code == 1
    assert found(result) == ALL


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--select", "GL002"], ["GL002"]),
        (["--select", "gl002"], ["GL002"]),
        (["--select", "GL00"], ["GL002", "GL003", "GL004", "GL008"]),
        (["--select", "unawaited-async-call,GL004"], ["GL002", "GL004"]),
        (["--select", " GL003 , GL008 "], ["GL003", "GL008"]),
        (["--ignore", "GL002"], ["GL003", "GL004", "GL008"]),
        (["--ignore", "GL00"], []),
        (["--ignore", "session-annotation-mismatch,blocking-session-in-async-def"], ["GL002", "GL004"]),
        (["--select", "GL00", "--ignore", "GL004"], ["GL002", "GL003", "GL008"]),
        (["--select", "GL002", "--ignore", "unawaited-async-call"], []),
    ],
)
def test_select_and_ignore_on_the_command_line(
    project: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: list[str]
) -> None:
    result = run(capsys, "check", "--no-cache", "--format", "json", *argv)
    assert codes(found(result)) == expected
    assert result.code == (1 if expected else 0)


def test_select_and_ignore_in_the_configuration(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(project, '[tool.greenlint]\nselect = ["GL00"]\nignore = ["GL003", "query-on-async-session"]\n')
    result = run(capsys, "check", "--no-cache", "--format", "json")
    assert codes(found(result)) == ["GL002", "GL008"]


def test_command_line_select_replaces_the_configured_one(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(project, '[tool.greenlint]\nselect = ["GL002"]\n')
    result = run(capsys, "check", "--no-cache", "--format", "json", "--select", "GL004")
    assert codes(found(result)) == ["GL004"]


def test_command_line_select_keeps_the_configured_ignore(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(project, '[tool.greenlint]\nignore = ["GL004"]\n')
    result = run(capsys, "check", "--no-cache", "--format", "json", "--select", "GL002,GL004")
    assert codes(found(result)) == ["GL002"]


def test_command_line_ignore_adds_to_the_configured_one(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(project, '[tool.greenlint]\nignore = ["GL003"]\n')
    result = run(capsys, "check", "--no-cache", "--format", "json", "--ignore", "GL004")
    assert codes(found(result)) == ["GL002", "GL008"]


@pytest.mark.parametrize("key", ["GL002", "gl002", '"unawaited-async-call"'])
def test_severity_override_shows_in_every_format(project: Path, capsys: pytest.CaptureFixture[str], key: str) -> None:
    configure(project, f'[tool.greenlint]\nseverity = {{{key} = "warning"}}\n')
    records = run(capsys, "check", "--no-cache", "--format", "json", "--select", "GL002,GL003").json()
    assert [(r["code"], r["severity"]) for r in records] == [("GL002", "warning"), ("GL003", "information")]
    github = run(capsys, "check", "--no-cache", "--format", "github", "--select", "GL002").out
    assert github.startswith("::warning file=app/gl002.py,")
    text = run(capsys, "check", "--no-cache", "--select", "GL002").out
    assert "Found 1 finding (1 warning)." in text


def test_severity_table_form(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(project, '[tool.greenlint.severity]\nGL008 = "error"\nGL003 = "hint"\n')
    records = run(capsys, "check", "--no-cache", "--format", "json").json()
    assert [(r["code"], r["severity"]) for r in records] == [
        ("GL002", "error"),
        ("GL003", "hint"),
        ("GL004", "error"),
        ("GL008", "error"),
    ]


def test_severity_by_prefix_and_the_most_specific_key_wins(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(project, '[tool.greenlint.severity]\nGL00 = "hint"\nGL002 = "warning"\nGL0 = "error"\n')
    records = run(capsys, "check", "--no-cache", "--format", "json").json()
    assert [(r["code"], r["severity"]) for r in records] == [
        ("GL002", "warning"),
        ("GL003", "hint"),
        ("GL004", "hint"),
        ("GL008", "hint"),
    ]


def test_nearest_configuration_wins(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    configure(project, '[tool.greenlint]\nselect = ["GL002"]\n')
    write(project, {"sub/pyproject.toml": '[tool.greenlint]\nselect = ["GL004"]\n'})
    write(project, {"sub/gl002.py": UNAWAITED, "sub/gl004.py": example("GL004", 1)})
    result = run(capsys, "check", "--no-cache", "--format", "json")
    assert found(result) == [("app/gl002.py", 5, "GL002"), ("sub/gl004.py", 5, "GL004")]


def test_configuration_above_the_working_directory_applies(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(project, '[tool.greenlint]\nselect = ["GL003"]\nexclude = ["app/gl002.py"]\n')
    monkeypatch.chdir(project / "app")
    result = run(capsys, "check", "--no-cache", "--format", "json", ".")
    assert found(result) == [("gl003.py", 15, "GL003")]
