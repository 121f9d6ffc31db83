"""A first end-to-end check of the language server over stdio."""

from __future__ import annotations

import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

CODE = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def save(db: AsyncSession) -> None:
    db.commit()
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "greenlint", "server"]))
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        return None

    params = types.InitializeParams(capabilities=client_capabilities("visual_studio_code"))
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_diagnostic_and_quick_fix(client: LanguageClient) -> None:
    uri = "file:///tmp/greenlint-smoke/app.py"
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, CODE)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    [diagnostic] = client.diagnostics[uri]
    assert diagnostic.code == "GL002"
    assert diagnostic.range == types.Range(types.Position(4, 4), types.Position(4, 15))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri), diagnostic.range, types.CodeActionContext(diagnostics=[diagnostic])
        )
    )
    assert actions is not None
    titles = [action.title for action in actions if isinstance(action, types.CodeAction)]
    assert "greenlint (GL002): Add await" in titles
    print(actions)
