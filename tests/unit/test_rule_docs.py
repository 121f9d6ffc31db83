"""docs/rules/*.md are generated from the rule modules and must stay in sync; `greenlint rule` prints them."""

from __future__ import annotations

import pytest

from casetools import REPOSITORY
from greenlint.cli.main import main
from greenlint.rules import docs
from greenlint.rules.base import Rule
from greenlint.rules.registry import ALL_RULES


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_committed_page_matches_the_rule_module(rule: Rule) -> None:
    page = REPOSITORY / "docs" / "rules" / f"{rule.code}.md"
    assert page.read_text(encoding="utf-8") == docs.render(rule), (
        "regenerate with: python -m greenlint.rules.docs docs/rules"
    )


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.code)
def test_docs_url_points_at_the_page(rule: Rule) -> None:
    assert rule.url.endswith(f"/docs/rules/{rule.code}.md")
    assert "# expect" not in docs.render(rule)


def test_rule_command_prints_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rule", "unawaited-async-call"]) == 0
    assert capsys.readouterr().out == docs.render(ALL_RULES[1])


def test_readme_shows_the_current_prevents_table() -> None:
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    assert docs.with_prevents_table(readme) == readme, (
        "regenerate with: python -m greenlint.rules.docs --readme README.md"
    )
