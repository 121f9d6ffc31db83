"""Code actions: a quick fix per finding, "Disable for this line", and `source.fixAll.greenlint`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types

from greenlint.core.autofix import fix_text
from greenlint.core.finding import Applicability, Edit
from greenlint.core.fixer import text_edits
from greenlint.core.suppression import with_noqa
from greenlint.lsp.convert import SOURCE
from greenlint.lsp.documents import DocumentResult

FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.greenlint"


def wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether the client asked for actions of `kind` (a requested kind covers its sub-kinds)."""
    return only is None or any(kind == requested or kind.startswith(f"{requested}.") for requested in only)


def workspace_edit(uri: str, version: int, edits: list[types.TextEdit], versioned: bool) -> types.WorkspaceEdit:
    """A WorkspaceEdit, with versioned documentChanges when the client supports them."""
    if versioned:
        identifier = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(identifier, edits)])
    return types.WorkspaceEdit(changes={uri: edits})


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
            data = {"uri": result.uri, "version": result.version, "start": finding.start_offset, "code": code}
            if finding.fix is not None:
                actions.append(
                    types.CodeAction(
                        title=f"greenlint ({code}): {finding.fix.message}",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[item],
                        is_preferred=finding.fix.applicability is Applicability.SAFE,
                        data={**data, "action": "fix"},
                    )
                )
            if disable_comment:
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


def edits_for(result: DocumentResult, data: dict[str, Any]) -> list[types.TextEdit] | None:
    """The text edits of a code action, computed on demand; None if it no longer applies."""
    action = data.get("action")
    if action == "fixAll":
        fixed = fix_text(result.analysis.text, result.rules, result.settings.severity, unsafe=False).text
        return [result.positions.text_edit(edit) for edit in text_edits(result.analysis.text, fixed)]
    finding = result.finding_at(int(data.get("start", -1)), str(data.get("code")))
    if finding is None:
        return None
    if action == "fix" and finding.fix is not None:
        return [result.positions.text_edit(edit) for edit in result.analysis.edits([finding.fix])]
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
