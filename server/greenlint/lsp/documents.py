"""What the server knows about one open document at one version: its analysis and its diagnostics."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types

from greenlint.core.analysis import Analysis, RuleFailure, analyze
from greenlint.core.autofix import FixError, fix_text
from greenlint.core.checker import TOO_LARGE, too_large
from greenlint.core.config import Settings, matches
from greenlint.core.finding import Finding
from greenlint.core.manifests import ManifestAnalysis, ProjectFiles, analyze_manifest, fix_manifest, is_manifest
from greenlint.core.parsing import SyntaxProblem
from greenlint.core.source import LineIndex, Position
from greenlint.lsp.convert import PositionMap, diagnostic
from greenlint.rules.base import BaseRule
from greenlint.rules.registry import selected_rules
from greenlint.semantics.index import WorkspaceIndex


@dataclass(eq=False)
class DocumentResult:
    """The analysis of one version of a document, and the diagnostics published for it."""

    uri: str
    version: int
    analysis: Analysis
    findings: list[Finding]
    positions: PositionMap
    rules: Sequence[BaseRule]
    settings: Settings
    diagnostics: list[types.Diagnostic] = field(default_factory=list)

    @property
    def result_id(self) -> str:
        """Identifies the diagnostics' content, for pull diagnostics' unchanged reports."""
        digest = hashlib.sha256(str(self.version).encode())  # diagnostics' data names the version
        for item in self.diagnostics:
            digest.update(f"{item.code}:{item.range}:{item.message}:{item.severity}".encode())
        return digest.hexdigest()[:16]

    def finding_for(self, item: types.Diagnostic) -> Finding | None:
        """The finding behind a diagnostic the client sends back: by its data, else by code and range."""
        data = item.data
        if isinstance(data, dict) and data.get("version") == self.version and isinstance(data.get("start"), int):
            same = self._same_place(data["start"], str(item.code))
            if len(same) > 1:  # several findings of one rule at one place (a manifest line): tell them by message
                return next((finding for finding in same if finding.message == item.message), same[0])
            return same[0] if same else None
        if data is not None:
            return None
        for finding, published in zip(self.findings, self.diagnostics, strict=False):
            if published.code == item.code and published.range == item.range:
                return finding
        return None

    @property
    def allows_line_comments(self) -> bool:
        """Whether a `# noqa` comment may be added at the end of a line (not in setup.cfg)."""
        return not isinstance(self.analysis, ManifestAnalysis) or self.analysis.allows_line_comments

    def fixed_all(self) -> str:
        """The text with every safe fix applied, to a fixed point."""
        if isinstance(self.analysis, ManifestAnalysis):
            try:
                return fix_manifest(self.analysis).text
            except FixError:
                return self.analysis.text
        return fix_text(self.analysis.text, self.rules, self.settings.severity, unsafe=False).text

    def finding_at(self, start: int, code: str, nth: int = 0) -> Finding | None:
        """The `nth` finding of rule `code` that starts at `start`."""
        same = self._same_place(start, code)
        return same[nth] if 0 <= nth < len(same) else None

    def nth(self, finding: Finding) -> int:
        """Which of the findings of its rule at its place `finding` is (0 but for several at one place)."""
        return self._same_place(finding.start_offset, finding.code).index(finding)

    def _same_place(self, start: int, code: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.start_offset == start and finding.code == code]


def analyze_document(
    uri: str,
    version: int,
    text: str,
    settings: Settings,
    encoding: str,
    path_ignores: tuple[str, ...],
    index: WorkspaceIndex | None = None,
    path: Path | None = None,
    projects: ProjectFiles | None = None,
) -> DocumentResult:
    """Analyse one version of a document with the settings that apply to it (and the workspace it imports).

    A dependency manifest (pyproject.toml, requirements*.txt, setup.cfg) is checked against the workspace's Python
    files in `index` (`projects` says which files each manifest speaks for). An analysis that raises gives a result
    like a text that does not parse (the last good diagnostics stay on unchanged lines), its failure to be logged."""
    rules = selected_rules(settings, path_ignores)
    analysis: Analysis
    try:
        if too_large(text):
            analysis = Analysis(text, syntax_error=SyntaxProblem(TOO_LARGE, Position(1, 1), syntax=False))
        elif path is not None and is_manifest(path):
            analysis = analyze_manifest(text, rules, settings.severity, path=path, index=index, projects=projects)
        else:
            analysis = analyze(text, rules, settings.severity, index=index, path=path)
    except Exception as error:  # noqa: BLE001 - shown like a text that does not parse; the server logs the failure
        failure = RuleFailure.of("analysis", error)
        analysis = Analysis(text, syntax_error=SyntaxProblem("cannot analyse", Position(1, 1)), failures=[failure])
    findings = [
        finding
        for finding in analysis.findings
        if not any(matches(selector, finding.code, finding.name) for selector in path_ignores)
    ]
    positions = PositionMap(text, encoding)
    result = DocumentResult(uri, version, analysis, findings, positions, rules, settings)
    result.diagnostics = [diagnostic(finding, uri, positions, version) for finding in findings]
    return result


def carried_over(previous: DocumentResult, text: str) -> list[types.Diagnostic]:
    """While the text does not parse, the previous diagnostics whose line is still there, unchanged."""
    old_lines, new_lines = LineIndex(previous.analysis.text), LineIndex(text)
    kept = []
    for item in previous.diagnostics:
        line = item.range.start.line + 1
        if line > len(new_lines.starts) or line != item.range.end.line + 1:
            continue
        if old_lines.line_text(line) == new_lines.line_text(line):
            kept.append(item)
    return kept
