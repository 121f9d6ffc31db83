"""`greenlint rule CODE` and `greenlint rules`."""

from __future__ import annotations

from pathlib import Path

import pytest

from clitools import ALL_CODES, run, run_process
from greenlint.rules.base import Rule
from greenlint.rules.registry import ALL_RULES


def test_rule_prints_the_markdown_docs(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "rule", "GL002")
    assert result.code == 0
    assert result.err == ""
    lines = result.out.splitlines()
    assert lines[0] == "# GL002: unawaited-async-call"
    assert "**Severity:** error" in lines
    for heading in ("## What happens at runtime", "## Fix", "## Examples", "## Suppressing"):
        assert heading in lines
    assert "```python" in lines
    assert "await db.commit()" in result.out  # the fixed example
    assert "# expect:" not in result.out  # test markers are not documentation
    assert "`# noqa: GL002`" in result.out and "`# greenlint: ignore[unawaited-async-call]`" in result.out


@pytest.mark.parametrize("selector", ["gl002", "unawaited-async-call"])
def test_rule_by_lowercase_code_or_name(capsys: pytest.CaptureFixture[str], selector: str) -> None:
    result = run(capsys, "rule", selector)
    assert result.code == 0
    assert result.out.startswith("# GL002: unawaited-async-call\n")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_every_rule_has_docs(capsys: pytest.CaptureFixture[str], rule: Rule) -> None:
    code, name = rule.code, rule.name
    result = run(capsys, "rule", code)
    assert result.code == 0
    assert result.out.startswith(f"# {code}: {name}\n")


@pytest.mark.parametrize("selector", ["nope", "GL0", "GL999", "GL00", ""])
def test_unknown_rule_exits_2(capsys: pytest.CaptureFixture[str], selector: str) -> None:
    result = run(capsys, "rule", selector)
    assert result.code == 2
    assert result.out == ""
    assert result.err_lines == [f"greenlint: unknown rule {selector!r}; see `greenlint rules`"]


def test_rule_without_argument_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "rule")
    assert result.code == 2
    assert "usage:" in result.err


def test_rules_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "rules")
    assert result.code == 0
    lines = result.out.splitlines()
    assert [line.split()[0] for line in lines] == ALL_CODES
    for line, rule in zip(lines, ALL_RULES, strict=True):
        assert line.split()[1] == rule.name
        assert line.split()[2] == rule.severity.value
        assert line.endswith(rule.summary)
    assert "GL003  session-annotation-mismatch" in result.out
    assert len({line.index(line.split()[2]) for line in lines}) == 1  # the severity column is aligned


def test_rule_in_a_subprocess(tmp_path: Path) -> None:
    result = run_process("rule", "GL002", cwd=tmp_path)
    assert result.code == 0
    assert result.out.splitlines()[0] == "# GL002: unawaited-async-call"
    missing = run_process("rule", "nope", cwd=tmp_path)
    assert missing.code == 2
    assert "unknown rule 'nope'" in missing.err
