"""`analyze`: one source text in, located findings out. The pure core that the CLI and the server share."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from greenlint.core.config import severity_for
from greenlint.core.finding import Edit, Finding, Fix, Related, RelatedLocation, Report, Severity
from greenlint.core.fixer import FixBuilder, text_edits
from greenlint.core.parsing import SyntaxProblem, parse
from greenlint.core.positions import node_offsets, trimmed
from greenlint.core.source import LineIndex, Position
from greenlint.core.suppression import is_suppressed
from greenlint.rules.base import BaseRule, Rule, RuleContext
from greenlint.semantics.facts import ModuleFacts
from greenlint.semantics.index import WorkspaceIndex, WorkspaceView
from greenlint.semantics.infer import Semantics
from greenlint.semantics.modules import ModuleName, module_name
from greenlint.semantics.summarize import summarize
from greenlint.semantics.summary import ModuleSummary
from greenlint.semantics.walker import gather_facts

RECURSION_LIMIT = "nested too deeply to check (the analysis reached Python's recursion limit)"


@dataclass(frozen=True)
class RuleFailure:
    """A rule raised: the other rules still reported."""

    code: str
    error: str

    @classmethod
    def of(cls, code: str, error: BaseException) -> RuleFailure:
        """The failure of `code` that raised `error`, shown as Python shows an exception's last line(s)."""
        return cls(code, "".join(traceback.format_exception_only(error)).strip())


@dataclass(eq=False)
class Analysis:
    """The result of analysing one text. Keeps the tree so that fixes can be computed on demand."""

    text: str
    findings: list[Finding] = field(default_factory=list)
    module: cst.Module | None = None
    facts: ModuleFacts | None = None
    syntax_error: SyntaxProblem | None = None
    failures: list[RuleFailure] = field(default_factory=list)
    summary: ModuleSummary | None = None  # what the module offers the rest of the workspace
    consulted: dict[str, str] = field(default_factory=dict)  # other modules' paths it used -> their digests

    def fixed_text(self, fixes: Iterable[Fix]) -> str:
        """The text with `fixes` applied together (one transformer pass)."""
        if self.module is None or self.facts is None:
            return self.text
        builder = FixBuilder(
            self.facts, ModuleName(self.summary.name, self.summary.is_package) if self.summary else None
        )
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


def applicable_rules(rules: Sequence[BaseRule], text: str) -> list[Rule]:
    """The module rules whose text pre-check passes: a file without their needles cannot produce their findings.

    Rules of other kinds (manifest rules) are not run on Python modules."""
    return [rule for rule in rules if isinstance(rule, Rule) and any(needle in text for needle in rule.needles)]


def analyze(
    text: str,
    rules: Sequence[BaseRule],
    severity: Mapping[str, Severity] | None = None,
    *,
    index: WorkspaceIndex | None = None,
    path: Path | None = None,
) -> Analysis:
    """Parse `text` once, run `rules` over its facts, and locate their findings.

    With an `index` (and the file's `path`), names imported from other modules of the workspace are resolved.
    """
    enabled = applicable_rules(rules, text)
    if not enabled:
        return Analysis(text)
    module = parse(text)
    if isinstance(module, SyntaxProblem):
        return Analysis(text, syntax_error=module)
    if index is not None and path is not None:
        name = index.name_of(path)
    else:
        name = module_name(path) if path is not None else ModuleName("")
    try:
        facts = gather_facts(module)
        own = summarize(text, facts, name, locate=index is not None)
    except RecursionError:  # the parse's depth limit should prevent this: say so rather than crash
        return Analysis(text, syntax_error=SyntaxProblem(RECURSION_LIMIT, Position(1, 1), syntax=False))
    view = index.view(path, own, name) if index is not None else WorkspaceView(None, path, own, name)
    context = RuleContext(facts, Semantics(facts, view), view)
    reports: list[tuple[Rule, Report]] = []
    failures: list[RuleFailure] = []
    for rule in enabled:
        try:
            reports.extend((rule, report) for report in rule.check(context))
        except Exception as error:  # noqa: BLE001 - one failing rule must not hide the others
            failures.append(RuleFailure.of(rule.code, error))
    try:
        findings = _locate(text, module, reports, severity or {})
    except RecursionError:  # adjacent strings nest in libcst's tree, not in Python's (which the depth limit sees)
        facts.release()
        return Analysis(text, syntax_error=SyntaxProblem(RECURSION_LIMIT, Position(1, 1), syntax=False))
    return Analysis(text, findings, module, facts, failures=failures, summary=own, consulted=view.consulted)


def located(
    rule: BaseRule,
    message: str,
    offsets: tuple[int, int],
    lines: LineIndex,
    severity: Mapping[str, Severity],
    fix: Fix | None = None,
    related: tuple[RelatedLocation, ...] = (),
    alternatives: tuple[Fix, ...] = (),
) -> Finding | None:
    """A rule's finding at character offsets of a text; None when its line suppresses it (`# noqa`)."""
    start, end = offsets
    begin = lines.position(start)
    if is_suppressed(lines.line_text(begin.line), rule.code, rule.name):
        return None
    return Finding(
        code=rule.code,
        name=rule.name,
        severity=severity_for(severity, rule.code, rule.name, rule.severity),
        message=message,
        url=rule.url,
        start_offset=start,
        end_offset=end,
        start=begin,
        end=lines.position(end),
        fix=fix,
        related=related,
        alternatives=alternatives,
    )


def _related_location(
    item: Related, span: Callable[[cst.CSTNode, cst.CSTNode | None], tuple[int, int]], lines: LineIndex
) -> RelatedLocation:
    if item.node is not None:
        start, end = span(item.node, None)
        return RelatedLocation(item.message, lines.position(start), lines.position(end))
    assert item.place is not None
    loc = item.place.loc
    return RelatedLocation(
        item.message, Position(loc.line, loc.column), Position(loc.end_line, loc.end_column), item.place.path
    )


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
        nodes.extend(related.node for related in report.related if related.node is not None)
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
        related = tuple(_related_location(item, span, lines) for item in report.related)
        finding = located(rule, report.message, (start, end), lines, severity, report.fix, related, report.alternatives)
        if finding is not None:
            findings.append(finding)
    findings.sort(key=lambda finding: (finding.start_offset, finding.code))
    return findings
