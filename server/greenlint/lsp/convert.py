"""Findings and edits to LSP types, converting positions to the negotiated encoding (UTF-16, UTF-8, UTF-32)."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from greenlint.core.finding import Edit, Finding, Severity
from greenlint.core.source import LineIndex, Position

SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFORMATION: types.DiagnosticSeverity.Information,
    Severity.HINT: types.DiagnosticSeverity.Hint,
}
SOURCE = "greenlint"


class PositionMap:
    """Maps code-point positions and offsets of one text to LSP positions in one encoding."""

    def __init__(self, text: str, encoding: str) -> None:
        self.lines = LineIndex(text)
        self.codec = PositionCodec(encoding)

    def position(self, position: Position) -> types.Position:
        prefix = self.lines.line_text(position.line)[: position.column - 1]
        return types.Position(position.line - 1, self.codec.client_num_units(prefix))

    def range(self, start: Position, end: Position) -> types.Range:
        return types.Range(self.position(start), self.position(end))

    def offset_range(self, start: int, end: int) -> types.Range:
        return self.range(self.lines.position(start), self.lines.position(end))

    def text_edit(self, edit: Edit) -> types.TextEdit:
        return types.TextEdit(self.offset_range(edit.start, edit.end), edit.new_text)


def _plain_range(start: Position, end: Position) -> types.Range:
    """A range in a file the server has not opened: columns are code points (exact for ASCII lines)."""
    return types.Range(types.Position(start.line - 1, start.column - 1), types.Position(end.line - 1, end.column - 1))


def diagnostic(finding: Finding, uri: str, positions: PositionMap, version: int) -> types.Diagnostic:
    """An LSP diagnostic; `data` carries what its code actions need (no re-analysis to answer them)."""
    related = [
        types.DiagnosticRelatedInformation(
            types.Location(uri, positions.range(item.start, item.end))
            if item.path is None
            else types.Location(Path(item.path).as_uri(), _plain_range(item.start, item.end)),
            item.message,
        )
        for item in finding.related
    ]
    fix = finding.fix
    return types.Diagnostic(
        range=positions.range(finding.start, finding.end),
        message=finding.message,
        severity=SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=finding.url),
        source=SOURCE,
        related_information=related or None,
        data={
            "version": version,
            "start": finding.start_offset,
            "fix": None if fix is None else {"title": fix.message, "applicability": fix.applicability.value},
        },
    )


def not_checked(message: str, position: Position, positions: PositionMap, version: int) -> types.Diagnostic:
    """The one information diagnostic of a document greenlint cannot check (nested too deeply, too large): no
    code, no fix."""
    line = min(max(position.line, 1), len(positions.lines.starts))
    place = positions.position(Position(line, max(position.column, 1)))
    return types.Diagnostic(
        range=types.Range(place, place),
        message=f"greenlint: not checked: {message}",
        severity=types.DiagnosticSeverity.Information,
        source=SOURCE,
        data={"version": version},
    )
