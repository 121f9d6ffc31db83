"""Settings: initializationOptions, workspace/configuration, didChangeConfiguration, pyproject.toml."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from lsptools import (
    FAST,
    MIXED,
    PULL_PROFILE,
    UNAWAITED,
    Editor,
    GreenlintTestClient,
    big_module,
    codes,
)

pytestmark = [
    pytest.mark.asyncio(loop_scope="session"),
    pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning"),
]
ALL_CODES = ["GL001", "GL002", "GL003", "GL004", "GL005", "GL006", "GL008"]
WITHOUT_GL002 = [code for code in ALL_CODES if code != "GL002"]


async def codes_after_settings_change(editor: Editor, uri: str, published: int, asked: int | None) -> list[str]:
    """The codes shown once the server has taken new settings into account: re-published (push), or pulled after
    the server has asked for the new settings (a client that pulls has no workspace/diagnostic/refresh here)."""
    if asked is not None and editor.supports_configuration:
        await editor.until(lambda: len(editor.client.configuration_requests) > asked, "the new settings request")
    if editor.pulls:
        await editor.barrier()
        return codes(await editor.diagnostics(uri))
    new = await editor.until(lambda: editor.publications(uri)[published:], "a re-publication")
    return codes(new[0].diagnostics)


@pytest.mark.server_options({**FAST, "severity": {"GL002": "warning", "query-on-async-session": "information"}})
@pytest.mark.parametrize("editor", ["visual_studio_code", PULL_PROFILE], indirect=True)
async def test_severity_setting(editor: Editor) -> None:
    uri = editor.open("app.py", MIXED)
    severities = {str(item.code): item.severity for item in await editor.diagnostics(uri)}
    assert severities["GL002"] == types.DiagnosticSeverity.Warning
    assert severities["GL004"] == types.DiagnosticSeverity.Information
    assert severities["GL005"] == types.DiagnosticSeverity.Error


@pytest.mark.server_options({**FAST, "select": ["GL002", "GL004"]})
@pytest.mark.parametrize("editor", ["visual_studio_code", PULL_PROFILE], indirect=True)
async def test_select_setting(editor: Editor) -> None:
    uri = editor.open("app.py", MIXED)
    assert codes(await editor.diagnostics(uri)) == ["GL002", "GL004"]


@pytest.mark.server_options({"debounce": "soon", "run": "sometimes", "ignore": ["GL999"], "severity": "loud"})
@pytest.mark.parametrize("editor", ["visual_studio_code", PULL_PROFILE], indirect=True)
async def test_bad_settings_are_reported_not_fatal(editor: Editor) -> None:
    uri = editor.open("app.py", UNAWAITED)
    assert codes(await editor.diagnostics(uri)) == ["GL002"]
    warnings = [m.message for m in editor.client.log_messages if m.type == types.MessageType.Warning]
    for name in ("debounce", "run", "GL999", "severity"):
        assert any(name in message for message in warnings), (name, warnings)


async def test_pyproject_ignore(client: GreenlintTestClient, tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.greenlint]\nignore = ["GL002"]\n')
    editor = await Editor.start(client, tmp_path, options=FAST)
    uri = editor.open("app.py", MIXED)
    assert codes(await editor.diagnostics(uri)) == WITHOUT_GL002
    editor.change(uri, MIXED + "\n\nasync def more(db: AsyncSession):\n    db.flush()\n")
    assert codes(await editor.diagnostics(uri)) == WITHOUT_GL002


async def test_changed_pyproject_is_picked_up(client: GreenlintTestClient, tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.greenlint]\nignore = ["GL002"]\n')
    editor = await Editor.start(client, tmp_path, options=FAST)
    uri = editor.open("app.py", MIXED)
    assert codes(await editor.diagnostics(uri)) == WITHOUT_GL002

    published = len(editor.publications(uri))
    pyproject.write_text('[tool.greenlint]\nignore = ["GL004"]\n')
    change = types.FileEvent(uri=pyproject.as_uri(), type=types.FileChangeType.Changed)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[change]))
    shown = await codes_after_settings_change(editor, uri, published, None)
    assert shown == [code for code in ALL_CODES if code != "GL004"]


@pytest.mark.parametrize("client", ["visual_studio_code"], indirect=True)
async def test_invalid_pyproject_is_reported_once(client: GreenlintTestClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.greenlint]\nignore = "GL002"\n')  # not a list
    editor = await Editor.start(client, tmp_path, options=FAST)
    uri = editor.open("app.py", UNAWAITED)
    assert codes(await editor.diagnostics(uri)) == ["GL002"]  # the defaults apply
    for _ in range(10):
        editor.insert(uri, len(editor.texts[uri]), "#")
    assert codes(await editor.diagnostics(uri)) == ["GL002"]
    errors = [m.message for m in client.log_messages if m.type == types.MessageType.Error]
    assert errors and all("ignore must be a list" in message for message in errors)
    assert len(errors) <= 2, f"{len(errors)} error messages for one bad setting"


async def test_pyproject_and_python_watchers_are_registered(editor: Editor) -> None:
    client = editor.client
    workspace = editor.capabilities.workspace
    watched = workspace.did_change_watched_files if workspace is not None else None
    if watched is not None and watched.dynamic_registration:
        [registration] = client.registrations
        assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[])
        watchers = client.protocol._converter.structure(registration.register_options, type(options)).watchers
        assert [watcher.glob_pattern for watcher in watchers] == [
            "**/pyproject.toml",
            "**/*.py",
            "**/requirements*.txt",
            "**/requirements/*.txt",
            "**/setup.cfg",
        ]
    else:
        assert client.registrations == []


async def test_configuration_from_the_client(client: GreenlintTestClient, tmp_path: Path) -> None:
    """workspace/configuration (when the client has it) is asked at start-up and replaces initializationOptions."""
    editor = await Editor.start(client, tmp_path, options=FAST, configuration={**FAST, "ignore": ["GL002"]})
    uri = editor.open("app.py", MIXED)
    shown = codes(await editor.diagnostics(uri))
    if editor.supports_configuration:
        assert client.configuration_requests
        [params] = client.configuration_requests
        assert [item.section for item in params.items] == ["greenlint", "greenlint"]
        assert params.items[1].scope_uri == tmp_path.as_uri()
        assert shown == WITHOUT_GL002
    else:
        assert client.configuration_requests == []
        assert shown == ALL_CODES


@pytest.mark.parametrize("client", ["visual_studio_code", "neovim@v0.10.0", "emacs"], indirect=True)
async def test_folder_configuration(client: GreenlintTestClient, tmp_path: Path) -> None:
    client.set_configuration({**FAST, "ignore": ["GL004"]}, section="greenlint", scope_uri=tmp_path.as_uri())
    editor = await Editor.start(client, tmp_path, options=FAST)
    inside = editor.open("app.py", MIXED)
    assert codes(await editor.diagnostics(inside)) == [code for code in ALL_CODES if code != "GL004"]


async def test_did_change_configuration_rechecks_open_documents(client: GreenlintTestClient, tmp_path: Path) -> None:
    editor = await Editor.start(client, tmp_path, options=FAST)
    uri = editor.open("app.py", MIXED)
    assert codes(await editor.diagnostics(uri)) == ALL_CODES

    published, asked = len(editor.publications(uri)), len(client.configuration_requests)
    settings = {**FAST, "ignore": ["GL002"]}
    client.set_configuration(settings, section="greenlint")  # what workspace/configuration now answers
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"greenlint": settings}))
    assert await codes_after_settings_change(editor, uri, published, asked) == WITHOUT_GL002


async def test_settings_change_during_an_analysis(client: GreenlintTestClient, tmp_path: Path) -> None:
    """An analysis made with the old settings is neither published nor returned once the settings changed."""
    editor = await Editor.start(client, tmp_path, options=FAST)
    uri = editor.open("big.py", big_module())
    await editor.barrier()  # its analysis (~0.35 s) is under way
    settings = {**FAST, "ignore": ["GL002"]}
    client.set_configuration(settings, section="greenlint")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"greenlint": settings}))
    if editor.supports_configuration:
        await editor.until(lambda: len(client.configuration_requests) > 1, "the new settings request")
    assert await editor.diagnostics(uri) == []
    if not editor.pulls:
        await editor.quiet(0.3)
        assert [len(item.diagnostics) for item in editor.publications(uri)] == [0]
