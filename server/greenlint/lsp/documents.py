"""What the server knows about one open document at one version: its analysis and its diagnostics."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types

from greenlint.core.analysis import Analysis, analyze
from greenlint.core.config import Settings, matches
from greenlint.core.finding import Finding
from greenlint.core.source import LineIndex
from greenlint.lsp.convert import PositionMap, diagnostic
from greenlint.rules.base import Rule
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
    rules: Sequence[Rule]
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
            return self.finding_at(data["start"], str(item.code))
        if data is not None:
            return None
        for finding, published in zip(self.findings, self.diagnostics, strict=False):
            if published.code == item.code and published.range == item.range:
                return finding
        return None

    def finding_at(self, start: int, code: str) -> Finding | None:
        for finding in self.findings:
            if finding.start_offset == start and finding.code == code:
                return finding
        return None


def analyze_document(
    uri: str,
    version: int,
    text: str,
    settings: Settings,
    encoding: str,
    path_ignores: tuple[str, ...],
    index: WorkspaceIndex | None = None,
    path: Path | None = None,
) -> DocumentResult:
    """Analyse one version of a document with the settings that apply to it (and the workspace it imports)."""
    rules = selected_rules(settings, path_ignores)
    analysis = analyze(text, rules, settings.severity, index=index, path=path)
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
