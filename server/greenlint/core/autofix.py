"""Applying fixes to a fixed point: re-analyse after each pass, until nothing applicable is left."""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from greenlint.core.analysis import Analysis, analyze
from greenlint.core.finding import Applicability, Finding, Fix, Severity
from greenlint.rules.base import BaseRule
from greenlint.semantics.index import WorkspaceIndex

MAX_PASSES = 10


class FixError(RuntimeError):
    """Fixes produced code that does not compile although the original did; nothing is written."""


@dataclass(frozen=True)
class FixOutcome:
    text: str
    fixed: int  # findings whose fix was applied
    analysis: Analysis  # of the final text


def choose_fixes(findings: Iterable[Finding], unsafe: bool) -> tuple[list[Fix], int]:
    """The fixes to apply together in one pass, and how many findings they fix.

    Identical fixes (same key) are applied once; a fix whose claims overlap an already chosen one waits for the
    next pass, when it is re-evaluated on the new text.
    """
    chosen: list[Fix] = []
    keys: set[Hashable] = set()
    claimed: set[Hashable] = set()
    fixed = 0
    for finding in sorted(findings, key=lambda item: (item.code, item.start_offset)):
        fix = finding.fix
        if fix is None or (fix.applicability is Applicability.UNSAFE and not unsafe):
            continue
        if fix.key in keys:
            fixed += 1
            continue
        if claimed & fix.claims:
            continue
        chosen.append(fix)
        keys.add(fix.key)
        claimed |= fix.claims
        fixed += 1
    return chosen, fixed


def compiles(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the file's own warnings (invalid escapes) are not greenlint's output
            compile(text, "<greenlint>", "exec", dont_inherit=True)  # compiled only: never run
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def fix_text(
    text: str,
    rules: Sequence[BaseRule],
    severity: Mapping[str, Severity] | None = None,
    *,
    unsafe: bool = False,
    index: WorkspaceIndex | None = None,
    path: Path | None = None,
) -> FixOutcome:
    """Apply every applicable fix, pass after pass, until the text stops changing."""
    analysis = analyze(text, rules, severity, index=index, path=path)
    original_compiles: bool | None = None
    fixed = 0
    for _ in range(MAX_PASSES):
        fixes, count = choose_fixes(analysis.findings, unsafe)
        if not fixes:
            break
        try:
            new_text = analysis.fixed_text(fixes)
        except Exception as error:  # noqa: BLE001 - a fix that raises: report it, change nothing
            codes = ", ".join(sorted({finding.code for finding in analysis.findings if finding.fix in fixes}))
            raise FixError(
                f"a fix of {codes} failed ({type(error).__name__}: {error}); the file was left unchanged"
            ) from None
        if new_text == text:
            break
        if original_compiles is None:
            original_compiles = compiles(text)
        if original_compiles and not compiles(new_text):
            raise FixError("the fixed code does not compile; the file was left unchanged")
        text, fixed = new_text, fixed + count
        analysis.release()
        analysis = analyze(text, rules, severity, index=index, path=path)
    return FixOutcome(text, fixed, analysis)
