"""Code actions: a quick fix per finding, "Disable for this line", and `source.fixAll.greenlint`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types

from greenlint.core.finding import Applicability, Edit, Finding, Fix
from greenlint.core.fixer import text_edits
from greenlint.core.suppression import with_noqa
from greenlint.lsp.convert import SOURCE, PositionMap
from greenlint.lsp.documents import DocumentResult

FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.greenlint"
OtherDocuments = Callable[[Path], "tuple[str, int | None, str, PositionMap] | None"]  # uri, version, text, positions


def wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether the client asked for actions of `kind` (a requested kind covers its sub-kinds)."""
    return only is None or any(kind == requested or kind.startswith(f"{requested}.") for requested in only)


@dataclass(frozen=True)
class DocumentEdits:
    """Text edits to one document; `version` None: a file the editor has not opened."""

    uri: str
    version: int | None
    edits: list[types.TextEdit]


def workspace_edit(changes: Sequence[DocumentEdits], versioned: bool) -> types.WorkspaceEdit:
    """A WorkspaceEdit, with versioned documentChanges when the client supports them."""
    if versioned:
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    types.OptionalVersionedTextDocumentIdentifier(uri=c.uri, version=c.version), c.edits
                )
                for c in changes
            ]
        )
    return types.WorkspaceEdit(changes={change.uri: change.edits for change in changes})


def code_actions(
    result: DocumentResult,
    context: types.CodeActionContext,
    *,
    disable_comment: bool,
    fix_all: bool,
) -> list[types.CodeAction]:
    """The actions for the diagnostics in `context`, without edits (see `resolve`)."""
    actions: list[types.CodeAction] = []
    only = [str(kind) for kind in context.only] if context.only is not None else None
    if wanted(types.CodeActionKind.QuickFix, only):
        for item in context.diagnostics:
            finding = result.finding_for(item) if item.source in (SOURCE, None) else None
            if finding is None:
                continue
            code = finding.code
            data: dict[str, Any] = {
                "uri": result.uri,
                "version": result.version,
                "start": finding.start_offset,
                "code": code,
            }
            if nth := result.nth(finding):
                data["nth"] = nth
            fixes = ([finding.fix] if finding.fix is not None else []) + list(finding.alternatives)
            for number, fix in enumerate(fixes):
                actions.append(
                    types.CodeAction(
                        title=f"greenlint ({code}): {fix.message}",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[item],
                        is_preferred=number == 0 and fix.applicability is Applicability.SAFE,
                        data={**data, "action": "fix", "fix": number},
                    )
                )
            if disable_comment and result.allows_line_comments:
                actions.append(
                    types.CodeAction(
                        title=f"Disable {code} for this line",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[item],
                        data={**data, "action": "noqa", "line": finding.start.line},
                    )
                )
    if fix_all and wanted(FIX_ALL, only) and _has_safe_fix(result):
        actions.append(
            types.CodeAction(
                title="greenlint: Fix all safe fixes",
                kind=FIX_ALL,
                data={"uri": result.uri, "version": result.version, "action": "fixAll"},
            )
        )
    return actions


def _has_safe_fix(result: DocumentResult) -> bool:
    return any(f.fix is not None and f.fix.applicability is Applicability.SAFE for f in result.findings)


def edits_for(result: DocumentResult, data: dict[str, Any], other: OtherDocuments) -> list[DocumentEdits]:
    """The edits of a code action, computed on demand (none if it no longer applies)."""
    own = edits_in_document(result, data)
    changes = [DocumentEdits(result.uri, result.version, own)] if own else []
    finding = result.finding_at(int(data.get("start", -1)), str(data.get("code")), int(data.get("nth", 0)))
    fix = _chosen_fix(finding, data) if finding is not None and data.get("action") == "fix" else None
    if fix is not None and fix.external is not None:
        found = other(Path(fix.external.path))
        if found is not None:
            uri, version, text, positions = found
            edits = text_edits(text, fix.external.rewrite(text))
            if edits:
                changes.append(DocumentEdits(uri, version, [positions.text_edit(edit) for edit in edits]))
    return changes


def _chosen_fix(finding: Finding, data: dict[str, Any]) -> Fix | None:
    fixes = ([finding.fix] if finding.fix is not None else []) + list(finding.alternatives)
    number = data.get("fix", 0)
    return fixes[number] if isinstance(number, int) and 0 <= number < len(fixes) else None


def edits_in_document(result: DocumentResult, data: dict[str, Any]) -> list[types.TextEdit] | None:
    """The text edits a code action makes to its own document."""
    action = data.get("action")
    if action == "fixAll":
        fixed = result.fixed_all()
        return [result.positions.text_edit(edit) for edit in text_edits(result.analysis.text, fixed)]
    finding = result.finding_at(int(data.get("start", -1)), str(data.get("code")), int(data.get("nth", 0)))
    if finding is None:
        return None
    fix = _chosen_fix(finding, data) if action == "fix" else None
    if fix is not None:
        return [result.positions.text_edit(edit) for edit in result.analysis.edits([fix])]
    if action == "noqa":
        lines = result.positions.lines
        line = finding.start.line
        start = lines.starts[line - 1]
        end = lines.starts[line] if line < len(lines.starts) else len(result.analysis.text)
        old = result.analysis.text[start:end]
        return [
            result.positions.text_edit(Edit(start + edit.start, start + edit.end, edit.new_text))
            for edit in text_edits(old, with_noqa(old, finding.code))
        ]
    return None
