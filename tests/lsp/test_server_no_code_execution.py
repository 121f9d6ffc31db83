"""A language-server session never imports or runs the workspace's modules.

The server is started the way editors start it: `python -m greenlint server` with the workspace as its working
directory (so the workspace is first on `sys.path`). Every module of the workspace writes a marker file when it
is imported: modules Python imports on its own (`sitecustomize`, a `.pth` file), modules tools run (`conftest.py`,
`setup.py`, a build backend named by pyproject.toml, `__init__.py`), and modules named like those the server
imports while it works (`json`, `difflib`, `libcst`, `pygls`, ...). The session indexes the workspace, opens the
documents, pulls or receives their diagnostics, asks for and resolves code actions, saves, reports watched-file
changes, and shuts down: no marker is left.

(Named apart from tests/cli/test_no_code_execution.py: test modules of this suite need unique basenames.)
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from baittools import bait_workspace
from lsptools import FAST, PULL_PROFILE, Editor, codes, own_server


def test_the_bait_works(tmp_path: Path) -> None:
    """Started in the workspace without greenlint's guard, Python would import these: the session test is not
    vacuous."""
    root, markers = tmp_path / "workspace", tmp_path / "markers"
    markers.mkdir()
    bait_workspace(root, markers)
    for module in ("json", "pygls", "app.models"):
        subprocess.run(
            [sys.executable, "-c", f"import {module}"], cwd=root, capture_output=True, timeout=60, check=False
        )
    assert {"json", "pygls", "app.__init__"} <= {path.name for path in markers.iterdir()}


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("profile", ["visual_studio_code", PULL_PROFILE])
async def test_a_server_session_never_imports_the_workspace(tmp_path: Path, profile: str) -> None:
    root, markers = tmp_path / "workspace", tmp_path / "markers"
    markers.mkdir()
    files = bait_workspace(root, markers)
    async with own_server("-m", "greenlint", "server", cwd=root, profile=profile) as client:
        capabilities = copy.deepcopy(client_capabilities(profile))
        capabilities.window = capabilities.window or types.WindowClientCapabilities()
        capabilities.window.work_done_progress = True
        editor = await Editor.start(client, root, options=FAST, capabilities=capabilities)

        def indexed() -> list[object]:
            return [value for values in client.progress_reports.values() for value in values if value.kind == "end"]

        await editor.until(indexed, "the end of indexing")
        for name, text in files.items():
            if not name.endswith((".py", ".toml", ".txt")):
                continue
            uri = editor.open(name, text, language="python" if name.endswith(".py") else "toml")
            diagnostics = await editor.diagnostics(uri)
            if name.endswith(".py"):
                assert "GL002" in codes(diagnostics), name
            for action in await editor.code_actions(uri, diagnostics):
                if action.title.startswith("greenlint (GL002)"):
                    await editor.edit_of(uri, action)
            whole = types.Range(types.Position(0, 0), types.Position(text.count("\n") + 1, 0))
            await editor.code_actions(uri, diagnostics, only=[types.CodeActionKind.SourceFixAll], range_=whole)
        routes = editor.uri("app/routes.py")
        action = await editor.action(routes, "greenlint (GL002): Add await", await editor.diagnostics(routes))
        await editor.apply(routes, action)
        editor.save(routes)
        changes = [
            types.FileEvent(uri=(root / name).as_uri(), type=types.FileChangeType.Changed)
            for name in ("app/models.py", "json.py", "pyproject.toml")
        ]
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=changes))
        assert codes(await editor.diagnostics(routes)) == []
        await editor.barrier()
    assert not client.violations, client.violations
    assert list(markers.iterdir()) == [], f"imported: {sorted(path.name for path in markers.iterdir())}"
    assert not [m.message for m in client.log_messages if "Traceback" in m.message]
