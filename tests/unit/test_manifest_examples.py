"""Every manifest rule's own VALID / INVALID examples, each in a project of its own: findings, fixes to a fixed
point, each fix alone, and idempotence (the manifest counterpart of test_rule_examples.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from casetools import expected_markers
from greenlint.core.fixer import apply_edits
from greenlint.core.manifests import ManifestAnalysis, analyze_manifest, fix_manifest
from greenlint.manifests.load import parse_manifest
from greenlint.rules.manifest import ManifestExample, ManifestRule
from greenlint.rules.registry import ALL_RULES

MANIFEST_RULES = [rule for rule in ALL_RULES if isinstance(rule, ManifestRule)]
CASES = [
    pytest.param(rule, example, id=f"{rule.code}-{'valid' if example.valid else 'invalid'}-{index}")
    for rule in MANIFEST_RULES
    for index, example in enumerate(rule.examples)
]
INVALID = [case for case in CASES if not case.values[1].valid]  # type: ignore[union-attr]


def project(root: Path, example: ManifestExample) -> Path:
    """The example's project on disk: app/db.py and the manifest; the manifest's path."""
    (root / "app").mkdir()
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "db.py").write_text(example.project, encoding="utf-8")
    path = root / example.filename
    path.write_text(example.code, encoding="utf-8")
    return path


def expected(rule: ManifestRule, example: ManifestExample) -> list[tuple[int, str]]:
    if example.lines:
        return sorted((line, rule.code) for line in example.lines)
    return expected_markers(example.code)


def check(text: str, path: Path) -> ManifestAnalysis:
    return analyze_manifest(text, ALL_RULES, path=path)


def test_there_is_a_manifest_rule() -> None:
    assert [rule.code for rule in MANIFEST_RULES] == ["GL301"]


def test_every_manifest_format_has_examples() -> None:
    for rule in MANIFEST_RULES:
        assert all(isinstance(example, ManifestExample) for example in rule.examples)
        invalid = {example.filename for example in rule.examples if not example.valid}
        assert invalid == {"pyproject.toml", "requirements.txt", "setup.cfg"}, rule.code


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_findings_match_markers(tmp_path: Path, rule: ManifestRule, example: ManifestExample) -> None:
    path = project(tmp_path, example)
    analysis = check(example.code, path)
    assert analysis.syntax_error is None and analysis.failures == []
    assert sorted((finding.start.line, finding.code) for finding in analysis.findings) == expected(rule, example)
    if not example.valid:
        assert any(finding.code == rule.code for finding in analysis.findings)


@pytest.mark.parametrize(("rule", "example"), INVALID)
def test_fix_to_fixed_point(tmp_path: Path, rule: ManifestRule, example: ManifestExample) -> None:
    path = project(tmp_path, example)
    analysis = check(example.code, path)
    if example.fixed is None:
        assert [f for f in analysis.findings if f.code == rule.code and f.fix] == []
        return
    outcome = fix_manifest(analysis, unsafe=True)
    assert outcome.text == example.fixed
    parse_manifest(path, outcome.text)  # still a valid manifest
    assert [f for f in outcome.analysis.findings if f.code == rule.code] == []
    path.write_text(outcome.text, encoding="utf-8")
    again = fix_manifest(check(outcome.text, path), unsafe=True)
    assert (again.text, again.fixed) == (outcome.text, 0)


@pytest.mark.parametrize(("rule", "example"), INVALID)
def test_each_fix_alone(tmp_path: Path, rule: ManifestRule, example: ManifestExample) -> None:
    """Each offered fix on its own: its edits reproduce the fixed text, which is a valid manifest with one finding
    of the rule fewer."""
    path = project(tmp_path, example)
    analysis = check(example.code, path)
    for finding in analysis.findings:
        if finding.fix is None:
            continue
        fixed = analysis.fixed_text([finding.fix])
        assert fixed != example.code
        assert apply_edits(example.code, analysis.edits([finding.fix])) == fixed
        after = check(fixed, path)
        assert after.syntax_error is None
        before_count = sum(1 for f in analysis.findings if f.code == finding.code)
        assert sum(1 for f in after.findings if f.code == finding.code) == before_count - 1
