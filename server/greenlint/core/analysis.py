"""`analyze`: one source text in, located findings out. The pure core that the CLI and the server share."""

from __future__ import annotations

import ast
import re
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst

from greenlint.core.config import severity_for
from greenlint.core.finding import Edit, Finding, Fix, RelatedLocation, Report, Severity
from greenlint.core.fixer import FixBuilder, text_edits
from greenlint.core.positions import node_offsets, trimmed
from greenlint.core.source import LineIndex, Position
from greenlint.core.suppression import is_suppressed
from greenlint.rules.base import Rule, RuleContext
from greenlint.semantics.facts import ModuleFacts
from greenlint.semantics.infer import Semantics
from greenlint.semantics.walker import gather_facts


@dataclass(frozen=True)
class SyntaxProblem:
    """Why a text could not be parsed, at a 1-based line and column."""

    message: str
    position: Position


@dataclass(frozen=True)
class RuleFailure:
    """A rule raised: the other rules still reported."""

    code: str
    error: str


@dataclass(eq=False)
class Analysis:
    """The result of analysing one text. Keeps the tree so that fixes can be computed on demand."""

    text: str
    findings: list[Finding] = field(default_factory=list)
    module: cst.Module | None = None
    facts: ModuleFacts | None = None
    syntax_error: SyntaxProblem | None = None
    failures: list[RuleFailure] = field(default_factory=list)

    def fixed_text(self, fixes: Iterable[Fix]) -> str:
        """The text with `fixes` applied together (one transformer pass)."""
        if self.module is None or self.facts is None:
            return self.text
        builder = FixBuilder(self.facts)
        for fix in fixes:
            fix.build(builder)
        return builder.apply(self.module).code

    def edits(self, fixes: Iterable[Fix]) -> list[Edit]:
        return text_edits(self.text, self.fixed_text(fixes))

    def release(self) -> None:
        """Free the tree and facts now (fixes can no longer be computed); findings and text stay."""
        if self.facts is not None:
            self.facts.release()
        self.facts = None
        self.module = None


def applicable_rules(rules: Sequence[Rule], text: str) -> list[Rule]:
    """The rules whose text pre-check passes: a file without their needles cannot produce their findings."""
    return [rule for rule in rules if any(needle in text for needle in rule.needles)]


_NOT_BRACKETS = re.compile(r"[^()\[\]{}]+")
PYTHON_MAX_NESTING = 200  # the tokenizer's limit on nested brackets


def nesting_problem(text: str) -> SyntaxProblem | None:
    """Python's own error for brackets nested deeper than it allows (libcst's native parser would crash).

    Counting brackets in strings too can only overestimate, so Python's parser decides past the limit.
    """
    depth = deepest = 0
    for char in _NOT_BRACKETS.sub("", text):
        depth += 1 if char in "([{" else -1
        deepest = max(deepest, depth)
    if deepest <= PYTHON_MAX_NESTING:
        return None
    try:
        ast.parse(text)
    except SyntaxError as error:
        return SyntaxProblem(error.msg, Position(error.lineno or 1, error.offset or 1))
    except (RecursionError, MemoryError, ValueError):
        return SyntaxProblem("nested too deeply to parse", Position(1, 1))
    return None


def analyze(text: str, rules: Sequence[Rule], severity: Mapping[str, Severity] | None = None) -> Analysis:
    """Parse `text` once, run `rules` over its facts, and locate their findings."""
    enabled = applicable_rules(rules, text)
    if not enabled:
        return Analysis(text)
    too_deep = nesting_problem(text)
    if too_deep is not None:
        return Analysis(text, syntax_error=too_deep)
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return Analysis(text, syntax_error=SyntaxProblem(error.message, Position(error.raw_line, error.raw_column + 1)))
    except (RecursionError, MemoryError, ValueError) as error:
        return Analysis(text, syntax_error=SyntaxProblem(f"cannot parse: {type(error).__name__}", Position(1, 1)))
    facts = gather_facts(module)
    context = RuleContext(facts, Semantics(facts))
    reports: list[tuple[Rule, Report]] = []
    failures: list[RuleFailure] = []
    for rule in enabled:
        try:
            reports.extend((rule, report) for report in rule.check(context))
        except Exception as error:  # noqa: BLE001 - one failing rule must not hide the others
            failures.append(RuleFailure(rule.code, "".join(traceback.format_exception_only(error)).strip()))
    try:
        findings = _locate(text, module, reports, severity or {})
    except RecursionError:
        failures.append(RuleFailure("positions", "the code is nested too deeply to locate findings"))
        findings = []
    return Analysis(text, findings, module, facts, failures=failures)


def _locate(
    text: str, module: cst.Module, reports: list[tuple[Rule, Report]], severity: Mapping[str, Severity]
) -> list[Finding]:
    if not reports:
        return []
    nodes: list[cst.CSTNode] = []
    for _, report in reports:
        nodes.append(report.node)
        if report.end_node is not None:
            nodes.append(report.end_node)
        nodes.extend(related.node for related in report.related)
    offsets = node_offsets(module, nodes)
    lines = LineIndex(text)

    def span(start_node: cst.CSTNode, end_node: cst.CSTNode | None) -> tuple[int, int]:
        start, end = offsets[id(start_node)]
        if end_node is not None:
            end = offsets[id(end_node)][1]
        return trimmed(text, start, end)

    findings: list[Finding] = []
    for rule, report in reports:
        start, end = span(report.node, report.end_node)
        begin = lines.position(start)
        if is_suppressed(lines.line_text(begin.line), rule.code, rule.name):
            continue
        related = tuple(
            RelatedLocation(item.message, lines.position(s), lines.position(e))
            for item in report.related
            for s, e in (span(item.node, None),)
        )
        findings.append(
            Finding(
                code=rule.code,
                name=rule.name,
                severity=severity_for(severity, rule.code, rule.name, rule.severity),
                message=report.message,
                url=rule.url,
                start_offset=start,
                end_offset=end,
                start=begin,
                end=lines.position(end),
                fix=report.fix,
                related=related,
            )
        )
    findings.sort(key=lambda finding: (finding.start_offset, finding.code))
    return findings
