"""Fixtures: the real server over stdio, once per captured client profile.

- `client`: a fresh server process, started but not initialised (tests call `Editor.start` with the options,
  capabilities and configuration they need). For tests that change server-wide state or end the server.
- `editor`: an `Editor` on a long-lived server shared by the tests that use the same profile and options
  (`@pytest.mark.server_options({...})`, default `{"debounce": 0}`); its documents are closed after the test.

The tests of this directory run in the session's event loop (`pytest.mark.asyncio(loop_scope="session")`), so
that server processes can be shared, and started ahead of the tests that use them (`lsptools.ServerPool`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
import pytest_lsp
from pytest_lsp import ClientServerConfig

from lsptools import FAST, POOL, PROFILES, SERVER_COMMAND, SHARED, Editor, GreenlintTestClient, make_client


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "server_options(options): initializationOptions of the shared server")


@pytest.fixture(scope="session")
def shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("shared-workspace")


@pytest_asyncio.fixture(scope="session", loop_scope="session", autouse=True)
async def servers() -> AsyncIterator[None]:
    yield
    problems = await SHARED.close()
    await POOL.close()
    assert not problems, problems


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=SERVER_COMMAND, client_factory=make_client),
    params=PROFILES,
    loop_scope="session",
)
async def client(lsp_client: GreenlintTestClient, request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Started, not initialised."""
    lsp_client.profile = request.param
    yield
    process = lsp_client._server
    if lsp_client.capabilities is not None and process is not None and process.returncode is None:
        await asyncio.wait_for(lsp_client.shutdown_session(), 10)
    assert not lsp_client.violations, lsp_client.violations


@pytest_asyncio.fixture(params=PROFILES, loop_scope="session")
async def editor(request: pytest.FixtureRequest, tmp_path: Path, shared_root: Path) -> AsyncIterator[Editor]:
    marker = request.node.get_closest_marker("server_options")
    options = marker.args[0] if marker is not None else FAST
    editor = await SHARED.editor(request.param, options, tmp_path, shared_root)
    yield editor
    editor.close_all()
    violations, editor.client.violations[:] = list(editor.client.violations), []
    assert not violations, violations
