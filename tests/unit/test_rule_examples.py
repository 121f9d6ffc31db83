"""Every rule's own VALID / INVALID examples: findings, fixes, compilation and idempotence."""

from __future__ import annotations

import pytest

from casetools import expected_markers
from greenlint.core.analysis import analyze
from greenlint.core.autofix import compiles, fix_text
from greenlint.core.fixer import apply_edits
from greenlint.rules.base import Example, Rule
from greenlint.rules.registry import ALL_RULES

CASES = [  # module rules; the manifest rules' examples are tested by test_manifest_examples.py
    pytest.param(rule, example, id=f"{rule.code}-{'valid' if example.valid else 'invalid'}-{index}")
    for rule in ALL_RULES
    if isinstance(rule, Rule)
    for index, example in enumerate(rule.examples)
]


def test_every_rule_has_valid_and_invalid_examples() -> None:
    for rule in ALL_RULES:
        kinds = {example.valid for example in rule.examples}
        assert kinds == {True, False}, rule.code


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_findings_match_markers(rule: Rule, example: Example) -> None:
    findings = analyze(example.code, ALL_RULES).findings
    found = sorted((finding.start.line, finding.code) for finding in findings)
    assert found == expected_markers(example.code)
    if not example.valid:
        assert any(code == rule.code for _, code in found)


@pytest.mark.parametrize(("rule", "example"), [case for case in CASES if not case.values[1].valid])  # type: ignore[union-attr]
def test_fix_to_fixed_point(rule: Rule, example: Example) -> None:
    outcome = fix_text(example.code, ALL_RULES, unsafe=True)
    if example.fixed is None:
        offered = [f for f in analyze(example.code, ALL_RULES).findings if f.code == rule.code and f.fix]
        assert offered == []
        return
    assert outcome.text == example.fixed
    assert compiles(outcome.text)
    assert [f for f in outcome.analysis.findings if f.code == rule.code] == []
    assert fix_text(outcome.text, ALL_RULES, unsafe=True).text == outcome.text


@pytest.mark.parametrize(("rule", "example"), [case for case in CASES if not case.values[1].valid])  # type: ignore[union-attr]
def test_each_fix_alone(rule: Rule, example: Example) -> None:
    """Each offered fix on its own: its edits reproduce the fixed text, which parses, compiles and loses the finding."""
    analysis = analyze(example.code, ALL_RULES)
    original_compiles = compiles(example.code)
    for finding in analysis.findings:
        if finding.fix is None:
            continue
        fixed = analysis.fixed_text([finding.fix])
        assert apply_edits(example.code, analysis.edits([finding.fix])) == fixed
        assert compiles(fixed) or not original_compiles
        after = analyze(fixed, ALL_RULES)
        assert after.syntax_error is None
        same_place = [f for f in after.findings if f.code == finding.code and f.start == finding.start]
        assert same_place == [] or len(after.findings) < len(analysis.findings)
        before_count = sum(1 for f in analysis.findings if f.code == finding.code)
        assert sum(1 for f in after.findings if f.code == finding.code) < before_count
