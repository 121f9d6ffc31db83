"""Start-up, shutdown and exit; requests about documents that are not open; the server survives bad input."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types

from lsptools import FAST, PULL_PROFILE, UNAWAITED, Editor, GreenlintTestClient, codes

pytestmark = [
    pytest.mark.asyncio(loop_scope="session"),
    pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning"),
]


async def test_capabilities(editor: Editor) -> None:
    result = editor.initialize_result
    assert result.server_info is not None and result.server_info.name == "greenlint"
    capabilities = result.capabilities
    sync = capabilities.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions)
    assert sync.change == types.TextDocumentSyncKind.Incremental
    assert sync.open_close
    assert sync.save is not None
    action = capabilities.code_action_provider
    assert isinstance(action, types.CodeActionOptions)
    assert action.resolve_provider
    assert set(action.code_action_kinds or []) == {types.CodeActionKind.QuickFix, "source.fixAll.greenlint"}
    diagnostic = capabilities.diagnostic_provider
    assert isinstance(diagnostic, types.DiagnosticOptions)
    assert diagnostic.inter_file_dependencies and not diagnostic.workspace_diagnostics  # other modules matter


async def test_shutdown_and_exit_are_clean(client: GreenlintTestClient, tmp_path: Path) -> None:
    editor = await Editor.start(client, tmp_path)  # the default debounce: an analysis is pending at shutdown
    uri = editor.open("app.py", UNAWAITED)
    editor.insert(uri, 0, "import os\n")
    assert await asyncio.wait_for(client.shutdown_async(None), 10) is None
    client.exit(None)
    process = client._server
    assert process is not None
    assert await asyncio.wait_for(process.wait(), 10) == 0
    errors = [m.message for m in client.log_messages if m.type == types.MessageType.Error]
    assert errors == []


@pytest.mark.parametrize("client", ["visual_studio_code"], indirect=True)
async def test_exit_without_shutdown_is_an_error(client: GreenlintTestClient, tmp_path: Path) -> None:
    await Editor.start(client, tmp_path, options=FAST)
    client.exit(None)
    process = client._server
    assert process is not None
    assert await asyncio.wait_for(process.wait(), 10) == 1


async def test_documents_that_are_not_open(editor: Editor) -> None:
    unknown = editor.uri("never-opened.py")
    assert await editor.code_actions(unknown) == []
    junk = types.CodeAction(title="junk", data={"uri": unknown, "version": 1, "start": 0, "code": "GL002"})
    assert (await editor.client.code_action_resolve_async(junk)).edit is None
    junk = types.CodeAction(title="junk", data="not a dict")
    assert (await editor.client.code_action_resolve_async(junk)).edit is None
    if editor.client.profile == PULL_PROFILE:
        report = await editor.pull(unknown)
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
        assert list(report.items) == []
    # the server still works
    uri = editor.open("app.py", UNAWAITED)
    assert codes(await editor.diagnostics(uri)) == ["GL002"]


async def test_empty_and_binary_looking_documents(editor: Editor) -> None:
    for name, text in [
        ("empty.py", ""),
        ("nul.py", "x = 1\x00\n"),
        ("bom.py", "\ufeffimport os\n"),
        ("cr.py", "a\rb\r"),
    ]:
        uri = editor.open(name, text)
        assert await editor.diagnostics(uri) == []
    uri = editor.open("app.py", UNAWAITED)
    assert codes(await editor.diagnostics(uri)) == ["GL002"]
