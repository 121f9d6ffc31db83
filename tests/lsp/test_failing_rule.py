"""A rule that raises is logged with window/logMessage; the other rules still report."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

LAUNCHER = Path(__file__).with_name("failing_rule_server.py")
CODE = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def save(db: AsyncSession, User) -> None:
    db.commit()
    db.query(User).all()
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, str(LAUNCHER)]))
async def client(lsp_client: LanguageClient):  # type: ignore[no-untyped-def]
    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        return None

    capabilities = client_capabilities("neovim@v0.7.0")
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=capabilities, initialization_options={"debounce": 0})
    )
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_failing_rule_is_logged_and_others_report(client: LanguageClient) -> None:
    uri = "file:///tmp/greenlint-failing/app.py"
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, CODE)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert [diagnostic.code for diagnostic in client.diagnostics[uri]] == ["GL002"]
    errors = [m.message for m in client.log_messages if m.type == types.MessageType.Error]
    assert any("GL004" in message and "exploded" in message for message in errors), errors
