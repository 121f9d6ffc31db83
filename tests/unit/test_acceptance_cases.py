"""The shared acceptance cases (../shared/cases), scored like ../shared/tools/accept.py for the rules built so far."""

from __future__ import annotations

from pathlib import Path

import pytest

from casetools import expected_markers
from greenlint.core.analysis import analyze
from greenlint.core.autofix import compiles, fix_text
from greenlint.rules.registry import ALL_RULES

WITHOUT_FIX = {"GL201"}  # rules that explain and offer no automatic fix
IMPLEMENTED = ("GL0", "GL1", "GL2")  # the code families built so far


def _case_files(root: Path, folders: tuple[str, ...]) -> list[Path]:
    return sorted(path for folder in folders for path in (root / folder).glob("*.py"))


@pytest.mark.parametrize("folder", ["seed", "beyond", "clean"])
def test_markers_found_without_false_positives(shared_cases: Path, folder: str) -> None:
    for path in _case_files(shared_cases, (folder,)):
        text = path.read_text(encoding="utf-8")
        expected = [(line, code) for line, code in expected_markers(text) if code.startswith(IMPLEMENTED)]
        found = sorted((f.start.line, f.code) for f in analyze(text, ALL_RULES).findings)
        assert found == expected, path.name


def test_fixed_cases_are_silent(shared_cases: Path) -> None:
    for path in shared_cases.glob("*/*_fixed.py"):
        assert analyze(path.read_text(encoding="utf-8"), ALL_RULES).findings == [], path.name


def test_unsafe_fixes_clear_every_case(shared_cases: Path) -> None:
    for path in _case_files(shared_cases, ("seed", "beyond")):
        outcome = fix_text(path.read_text(encoding="utf-8"), ALL_RULES, unsafe=True)
        remaining = [f.code for f in outcome.analysis.findings if f.code.startswith(IMPLEMENTED)]
        assert set(remaining) <= WITHOUT_FIX, path.name
        assert compiles(outcome.text), path.name
