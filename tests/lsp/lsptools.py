"""An editor model for the end-to-end language-server tests: documents, push or pull diagnostics, code actions.

The test client (`GreenlintTestClient`) records every publication and every request the server makes, and checks
them against the capabilities the client declared; `Editor` keeps the client-side text of each document, sends
incremental changes in the negotiated position encoding, and applies workspace edits the way an editor does.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import copy
import json
import re
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.io_ import run_async
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, forward_stderr, register_lsp_features

from greenlint.core.analysis import analyze
from greenlint.rules.registry import ALL_RULES

SERVER_COMMAND = [sys.executable, "-m", "greenlint", "server"]
PROFILES = ["visual_studio_code", "neovim@v0.7.0", "neovim@v0.10.0", "emacs"]
PULL_PROFILE = "neovim@v0.10.0"  # the only one of them that declares textDocument.diagnostic
FAST = {"debounce": 0}
TIMEOUT = 10.0  # seconds to wait for anything the server must send
UTF8, UTF16, UTF32 = (
    types.PositionEncodingKind.Utf8.value,
    types.PositionEncodingKind.Utf16.value,
    types.PositionEncodingKind.Utf32.value,
)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


# -- positions ---------------------------------------------------------------------------------------------------
def units(text: str, encoding: str) -> int:
    """How many code units of `encoding` the text takes."""
    if encoding == UTF8:
        return len(text.encode("utf-8"))
    if encoding == UTF32:
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def line_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in _LINE_BREAK.finditer(text))]


def position_at(text: str, offset: int, encoding: str) -> types.Position:
    """The LSP position of a code-point offset."""
    starts = line_starts(text)
    line = bisect.bisect_right(starts, offset) - 1
    return types.Position(line, units(text[starts[line] : offset], encoding))


def offset_at(text: str, position: types.Position, encoding: str) -> int:
    """The code-point offset of an LSP position; fails on a position inside a character or past the line."""
    starts = line_starts(text)
    assert position.line < len(starts), f"{position} is past the last line"
    start = starts[position.line]
    end = starts[position.line + 1] if position.line + 1 < len(starts) else len(text)
    line = text[start:end].rstrip("\r\n")
    counted = index = 0
    while index < len(line) and counted < position.character:
        counted += units(line[index], encoding)
        index += 1
    assert counted == position.character, f"{position} is not at a character boundary of {line!r} ({encoding})"
    return start + index


def lsp_range(text: str, start: int, end: int, encoding: str) -> types.Range:
    return types.Range(position_at(text, start, encoding), position_at(text, end, encoding))


def apply_text_edits(text: str, edits: Sequence[types.TextEdit], encoding: str) -> str:
    """Apply non-overlapping edits whose ranges all refer to `text`."""
    spans = sorted(
        ((offset_at(text, e.range.start, encoding), offset_at(text, e.range.end, encoding), e.new_text) for e in edits),
        reverse=True,
    )
    for (_, end, _), (next_start, _, _) in zip(spans[1:], spans, strict=False):
        assert end <= next_start, f"overlapping edits: {edits}"
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def expected_diagnostics(text: str, encoding: str = UTF16) -> list[tuple[str, types.Range]]:
    """(code, range) of what greenlint finds in `text`, computed in-process with every rule."""
    analysis = analyze(text, ALL_RULES)
    return sorted(
        ((f.code, lsp_range(text, f.start_offset, f.end_offset, encoding)) for f in analysis.findings), key=_order
    )


def summary(diagnostics: Sequence[types.Diagnostic]) -> list[tuple[str, types.Range]]:
    return sorted(((str(d.code), d.range) for d in diagnostics), key=_order)


def _order(item: tuple[str, types.Range]) -> tuple[int, int, int, int, str]:
    code, found = item
    return (found.start.line, found.start.character, found.end.line, found.end.character, code)


def codes(diagnostics: Sequence[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


# -- warm servers ---------------------------------------------------------------------------------------------------
class ServerPool:
    """Server processes started ahead of the tests that use them: importing the server takes most of a second.

    Every test still gets a fresh process; the next ones import while the current test runs. Lives in the
    session's event loop (the tests of this directory all run in it).
    """

    def __init__(self, ahead: int = 2) -> None:
        self.ahead = ahead
        self.ready: list[tuple[tuple[str, ...], asyncio.subprocess.Process]] = []

    async def _spawn(self, command: tuple[str, ...]) -> None:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        self.ready.append((command, process))

    async def take(self, command: tuple[str, ...]) -> asyncio.subprocess.Process:
        for index, (spawned, process) in enumerate(self.ready):
            if spawned == command and process.returncode is None:
                del self.ready[index]
                break
        else:
            await self._spawn(command)
            process = self.ready.pop()[1]
        while sum(1 for spawned, _ in self.ready if spawned == command) < self.ahead:
            await self._spawn(command)
        return process

    async def close(self) -> None:
        """End the processes no test used (only these: they were started here)."""
        for _, process in self.ready:
            if process.returncode is None:
                process.kill()
            await process.wait()
        self.ready.clear()


POOL = ServerPool()


class SharedServers:
    """One long-lived server per (profile, initializationOptions), for tests that change no server-wide state.

    Each test gets its own `Editor` on it, with its own documents (under the test's tmp_path, so URIs never
    clash), closed when the test ends.
    """

    def __init__(self) -> None:
        self.editors: dict[tuple[str, str], Editor] = {}

    async def editor(self, profile: str, options: Mapping[str, Any], root: Path, shared_root: Path) -> Editor:
        key = (profile, json.dumps(options, sort_keys=True))
        if key not in self.editors:
            client = make_client()
            client.profile = profile
            await client.start_io(*SERVER_COMMAND)
            self.editors[key] = await Editor.start(client, shared_root, options=options)
        base = self.editors[key]
        return Editor(base.client, root, base.encoding, base.initialize_result)

    async def close(self) -> list[str]:
        """Shut every shared server down; what went wrong (violations, unclean exits)."""
        problems = []
        for (profile, options), editor in self.editors.items():
            client = editor.client
            problems += [f"{profile} {options}: {violation}" for violation in client.violations]
            process = client._server
            if process is not None and process.returncode is None:
                await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
            await client.stop()
            if process is None or process.returncode != 0:
                problems.append(f"{profile} {options}: the server exited with {process and process.returncode}")
        self.editors.clear()
        return problems


SHARED = SharedServers()


# -- the test client -----------------------------------------------------------------------------------------------
@dataclass
class Published:
    uri: str
    version: int | None
    diagnostics: list[types.Diagnostic]
    at: float


class GreenlintTestClient(LanguageClient):
    """pytest-lsp's client, recording publications, registrations and configuration requests."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.profile = ""
        self.published: list[Published] = []
        self.registrations: list[types.Registration] = []
        self.configuration_requests: list[types.ConfigurationParams] = []
        self.violations: list[str] = []

    async def start_io(self, cmd: str, *args: str, **kwargs: Any) -> None:
        """pygls's and pytest-lsp's `start_io`, with a process from the pool of warm servers."""
        assert not kwargs.get("env"), "pooled servers run in the test process's environment"
        server = await POOL.take((cmd, *args))
        assert server.stdout is not None and server.stdin is not None
        self.protocol.set_writer(server.stdin)
        connection = asyncio.create_task(
            run_async(
                stop_event=self._stop_event,
                reader=server.stdout,
                protocol=self.protocol,
                logger=None,
                error_handler=self.report_server_error,
            )
        )
        self._server = server
        self._async_tasks.extend([connection, asyncio.create_task(self._server_exit())])
        self._stderr_forwarder = asyncio.create_task(forward_stderr(server))

    def violation(self, message: str) -> None:
        self.violations.append(message)

    def pulls(self) -> bool:
        document = self.capabilities.text_document if self.capabilities is not None else None
        return document is not None and document.diagnostic is not None


@contextlib.asynccontextmanager
async def own_server(*args: str, cwd: Path, profile: str = "visual_studio_code") -> AsyncIterator[GreenlintTestClient]:
    """A client of a server process of its own (not a pooled one): `python ARGS` run in `cwd`. At the end it is shut
    down, and must have exited cleanly."""
    client = make_client()
    client.profile = profile
    await LanguageClient.start_io(client, sys.executable, *args, cwd=str(cwd))
    try:
        yield client
    finally:
        await asyncio.wait_for(client.shutdown_session(), 10)
        await client.stop()
    assert client._server is not None and client._server.returncode == 0


def make_client() -> GreenlintTestClient:
    client = GreenlintTestClient(converter_factory=default_converter)
    own = {
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        types.WORKSPACE_CONFIGURATION,
        types.CLIENT_REGISTER_CAPABILITY,
        types.CLIENT_UNREGISTER_CAPABILITY,
    }
    register_lsp_features(client, {method: f for method, f in DEFAULT_CLIENT_FEATURES.items() if method not in own})

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def publish(params: types.PublishDiagnosticsParams) -> None:
        if client.pulls():
            client.violation(f"publishDiagnostics sent to a pull-diagnostics client: {params.uri}")
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(Published(params.uri, params.version, list(params.diagnostics), time.monotonic()))

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def configuration(params: types.ConfigurationParams) -> list[Any]:
        workspace = client.capabilities.workspace if client.capabilities is not None else None
        if workspace is None or not workspace.configuration:
            client.violation("workspace/configuration sent to a client that does not declare it")
        client.configuration_requests.append(params)
        return [client.get_configuration(section=item.section, scope_uri=item.scope_uri) for item in params.items]

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        for registration in params.registrations:
            if not _declares_dynamic_registration(client.capabilities, registration.method):
                client.violation(f"{registration.method} registered dynamically, which the client does not support")
            client.registrations.append(registration)

    @client.feature(types.CLIENT_UNREGISTER_CAPABILITY)
    def unregister(params: types.UnregistrationParams) -> None:
        return None

    return client


def _declares_dynamic_registration(capabilities: types.ClientCapabilities | None, method: str) -> bool:
    if capabilities is None:
        return False
    if method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES:
        workspace = capabilities.workspace
        watched = workspace.did_change_watched_files if workspace is not None else None
        return bool(watched is not None and watched.dynamic_registration)
    return True  # only the registrations greenlint makes are checked


def capabilities_with_encodings(profile: str, encodings: list[str]) -> types.ClientCapabilities:
    capabilities = copy.deepcopy(client_capabilities(profile))
    general = capabilities.general or types.GeneralClientCapabilities()
    general.position_encodings = encodings
    capabilities.general = general
    return capabilities


# -- the editor ------------------------------------------------------------------------------------------------------
@dataclass
class Editor:
    """One initialised session: the documents the editor has open, as the editor sees them."""

    client: GreenlintTestClient
    root: Path
    encoding: str
    initialize_result: types.InitializeResult
    texts: dict[str, str] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)

    @classmethod
    async def start(
        cls,
        client: GreenlintTestClient,
        root: Path,
        *,
        options: Mapping[str, Any] | None = None,
        capabilities: types.ClientCapabilities | None = None,
        configuration: Mapping[str, Any] | None = None,
    ) -> Editor:
        """Initialise the server for `client.profile`, with `root` as the workspace folder.

        `configuration` is what the client answers to workspace/configuration for the `greenlint` section.
        """
        capabilities = capabilities or client_capabilities(client.profile)
        if configuration is not None:
            client.set_configuration(dict(configuration), section="greenlint")
        params = types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=dict(options) if options is not None else None,
        )
        result = await asyncio.wait_for(client.initialize_session(params), TIMEOUT)
        encoding = str(result.capabilities.position_encoding or UTF16)
        general = capabilities.general
        offered = list(general.position_encodings or []) if general is not None else []
        if encoding not in (offered or [UTF16]) and encoding != UTF16:
            client.violation(f"server chose position encoding {encoding} that the client did not offer: {offered}")
        editor = cls(client, root, encoding, result)
        workspace = capabilities.workspace
        # let the server finish `initialized` (settings request, watcher registration) before going on
        if workspace is not None and workspace.configuration:
            await editor.until(lambda: client.configuration_requests, "the initial workspace/configuration request")
        watched = workspace.did_change_watched_files if workspace is not None else None
        if watched is not None and watched.dynamic_registration:
            await editor.until(lambda: client.registrations, "the registration of the pyproject.toml watcher")
        await editor.barrier()
        return editor

    # -- properties of the client --------------------------------------------------------------------------------
    @property
    def capabilities(self) -> types.ClientCapabilities:
        assert self.client.capabilities is not None
        return self.client.capabilities

    @property
    def pulls(self) -> bool:
        return self.client.pulls()

    @property
    def resolves_edits(self) -> bool:
        document = self.capabilities.text_document
        action = document.code_action if document is not None else None
        support = action.resolve_support if action is not None else None
        return support is not None and "edit" in support.properties

    @property
    def versioned_edits(self) -> bool:
        workspace = self.capabilities.workspace
        edit = workspace.workspace_edit if workspace is not None else None
        return bool(edit is not None and edit.document_changes)

    @property
    def supports_configuration(self) -> bool:
        workspace = self.capabilities.workspace
        return bool(workspace is not None and workspace.configuration)

    # -- documents -----------------------------------------------------------------------------------------------
    def uri(self, name: str) -> str:
        return (self.root / name).as_uri()

    def open(self, name: str, text: str, version: int = 1, language: str = "python") -> str:
        uri = self.uri(name)
        self.texts[uri], self.versions[uri] = text, version
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, language, version, text))
        )
        return uri

    def change(self, uri: str, new_text: str) -> None:
        """Send the change from the current text to `new_text` as one incremental edit (common prefix/suffix)."""
        old = self.texts[uri]
        start = 0
        while start < min(len(old), len(new_text)) and old[start] == new_text[start]:
            start += 1
        end_old, end_new = len(old), len(new_text)
        while end_old > start and end_new > start and old[end_old - 1] == new_text[end_new - 1]:
            end_old, end_new = end_old - 1, end_new - 1
        # never split a CRLF pair: move the edit boundary outside it
        while start > 0 and old[start - 1] == "\r" and start < len(old) and old[start] == "\n":
            start -= 1
        while 0 < end_old < len(old) and old[end_old - 1] == "\r" and old[end_old] == "\n":
            end_old, end_new = end_old + 1, end_new + 1
        self.edit(uri, [(start, end_old, new_text[start:end_new])])
        assert self.texts[uri] == new_text

    def edit(self, uri: str, spans: Sequence[tuple[int, int, str]]) -> None:
        """One didChange with one incremental content change per (start, end, text), applied in order."""
        text = self.texts[uri]
        changes: list[types.TextDocumentContentChangeEvent] = []
        for start, end, new_text in spans:
            changes.append(types.TextDocumentContentChangePartial(lsp_range(text, start, end, self.encoding), new_text))
            text = text[:start] + new_text + text[end:]
        self.send_changes(uri, changes, text)

    def send_changes(self, uri: str, changes: list[types.TextDocumentContentChangeEvent], new_text: str) -> None:
        self.versions[uri] += 1
        self.texts[uri] = new_text
        identifier = types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri])
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(identifier, changes))

    def insert(self, uri: str, offset: int, text: str) -> None:
        self.edit(uri, [(offset, offset, text)])

    def save(self, uri: str) -> None:
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))

    def close_all(self) -> None:
        for uri in list(self.texts):
            self.close(uri)

    def close(self, uri: str) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))
        del self.texts[uri], self.versions[uri]

    # -- waiting ---------------------------------------------------------------------------------------------------
    async def until(self, condition: Any, what: str, timeout: float = TIMEOUT) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.01)

    def publications(self, uri: str) -> list[Published]:
        return [item for item in self.client.published if item.uri == uri]

    async def published(self, uri: str, version: int | None, timeout: float = TIMEOUT) -> Published:
        """The latest publication for `uri` at `version`, waiting for one."""

        def found() -> Published | None:
            matching = [item for item in self.publications(uri) if item.version == version]
            return matching[-1] if matching else None

        result: Published = await self.until(found, f"publishDiagnostics for {uri} version {version}", timeout)
        return result

    async def barrier(self) -> None:
        """A request answered at once (code actions of a document that is not open): when its answer is back, the
        server has handled every message sent before it, and started the analyses they scheduled."""
        assert await self.code_actions(self.uri("never-opened.py")) == []

    async def quiet(self, seconds: float = 0.4) -> None:
        """Let the server work for a moment (to show that something does NOT happen)."""
        await asyncio.sleep(seconds)

    # -- diagnostics -------------------------------------------------------------------------------------------------
    async def pull(
        self, uri: str, previous_result_id: str | None = None
    ) -> types.RelatedFullDocumentDiagnosticReport | types.RelatedUnchangedDocumentDiagnosticReport:
        params = types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri), previous_result_id=previous_result_id
        )
        report = await asyncio.wait_for(self.client.text_document_diagnostic_async(params), TIMEOUT)
        assert isinstance(
            report, (types.RelatedFullDocumentDiagnosticReport, types.RelatedUnchangedDocumentDiagnosticReport)
        ), report
        return report

    async def diagnostics(self, uri: str, timeout: float = TIMEOUT) -> list[types.Diagnostic]:
        """The diagnostics of the document's current version: pulled, or the publication for that version."""
        if self.pulls:
            report = await self.pull(uri)
            assert isinstance(report, types.RelatedFullDocumentDiagnosticReport), report
            return list(report.items)
        return (await self.published(uri, self.versions[uri], timeout)).diagnostics

    async def settled(self, uri: str, expected: Any, timeout: float = TIMEOUT) -> list[types.Diagnostic]:
        """The diagnostics of `uri` once `expected(diagnostics)` holds for its latest publication (or a fresh pull):
        for documents the server checks again because something else changed, when it does so is up to the server."""
        found: list[types.Diagnostic] = []
        deadline = time.monotonic() + timeout
        while True:
            if self.pulls:
                found = await self.diagnostics(uri)
            elif self.publications(uri):
                found = self.publications(uri)[-1].diagnostics
            if expected(found):
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{uri}: the diagnostics never became as expected; the last ones: {found}")
            await asyncio.sleep(0.05)

    # -- code actions ------------------------------------------------------------------------------------------------
    async def code_actions(
        self,
        uri: str,
        diagnostics: Sequence[types.Diagnostic] = (),
        only: Sequence[str] | None = None,
        range_: types.Range | None = None,
    ) -> list[types.CodeAction]:
        if range_ is None:
            range_ = diagnostics[0].range if diagnostics else types.Range(types.Position(0, 0), types.Position(0, 0))
        context = types.CodeActionContext(diagnostics=list(diagnostics), only=list(only) if only is not None else None)
        result = await asyncio.wait_for(
            self.client.text_document_code_action_async(
                types.CodeActionParams(types.TextDocumentIdentifier(uri), range_, context)
            ),
            TIMEOUT,
        )
        actions = []
        for item in result or []:
            assert isinstance(item, types.CodeAction), f"a Command instead of a CodeAction literal: {item}"
            actions.append(item)
        return actions

    async def action(
        self, uri: str, title: str, diagnostics: Sequence[types.Diagnostic] = (), only: Sequence[str] | None = None
    ) -> types.CodeAction:
        actions = await self.code_actions(uri, diagnostics, only)
        matching = [item for item in actions if item.title == title]
        assert len(matching) == 1, f"no single {title!r} among {[item.title for item in actions]}"
        return matching[0]

    async def edit_of(self, uri: str, action: types.CodeAction) -> list[types.TextEdit]:
        """The text edits an action makes to `uri`, resolving it first when the client resolves edits lazily."""
        if self.resolves_edits:
            assert action.edit is None, "the client resolves edits lazily, yet the edit was computed up front"
            action = await asyncio.wait_for(self.client.code_action_resolve_async(action), TIMEOUT)
        edit = action.edit
        assert edit is not None, f"{action.title!r} has no edit"
        if self.versioned_edits:
            assert edit.changes is None, "documentChanges expected"
            assert edit.document_changes is not None and len(edit.document_changes) == 1, edit
            [change] = edit.document_changes
            assert isinstance(change, types.TextDocumentEdit), change
            assert change.text_document.uri == uri
            assert change.text_document.version == self.versions[uri], "edit for another version"
            return [item for item in change.edits if isinstance(item, types.TextEdit)]
        assert edit.document_changes is None, "the client does not declare workspaceEdit.documentChanges"
        assert edit.changes is not None and list(edit.changes) == [uri], edit
        return list(edit.changes[uri])

    async def apply(self, uri: str, action: types.CodeAction) -> str:
        """Apply the action's edit to the editor's text and send it as incremental changes; the new text."""
        edits = await self.edit_of(uri, action)
        assert edits, f"{action.title!r} changes nothing"
        text = self.texts[uri]
        new_text = apply_text_edits(text, edits, self.encoding)
        # the edits' ranges refer to the text before the edit: send them last first, so each range stays valid
        ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True)
        changes: list[types.TextDocumentContentChangeEvent] = [
            types.TextDocumentContentChangePartial(e.range, e.new_text) for e in ordered
        ]
        self.send_changes(uri, changes, new_text)
        return new_text


def by_code(diagnostics: Sequence[types.Diagnostic], code: str) -> types.Diagnostic:
    matching = [item for item in diagnostics if item.code == code]
    assert len(matching) == 1, f"not exactly one {code} in {codes(diagnostics)}"
    return matching[0]


# -- documents ---------------------------------------------------------------------------------------------------------
SEVERITIES = {
    "GL001": types.DiagnosticSeverity.Warning,
    "GL002": types.DiagnosticSeverity.Error,
    "GL003": types.DiagnosticSeverity.Information,
    "GL004": types.DiagnosticSeverity.Error,
    "GL005": types.DiagnosticSeverity.Error,
    "GL006": types.DiagnosticSeverity.Error,
    "GL007": types.DiagnosticSeverity.Error,
    "GL008": types.DiagnosticSeverity.Warning,
}

# One finding of each of GL001..GL006 and GL008; GL001 and GL008 have unsafe fixes, the others safe ones.
MIXED = """\
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

from .models import User

app = FastAPI()
engine = create_async_engine("postgresql://app@localhost/app")
Sessions = async_sessionmaker(engine)
sync_engine = create_engine("postgresql+psycopg://app@localhost/app")
SyncSessions = sessionmaker(bind=sync_engine)


async def get_db():
    async with Sessions() as db:
        yield db


@app.get("/users")
async def users(db: Session = Depends(get_db)):
    return []


async def save(db: AsyncSession, user) -> None:
    db.add(user)
    db.commit()


async def names(db: AsyncSession):
    return db.query(User).all()


def load(db: AsyncSession, query):
    return await db.execute(query)


async def report():
    with SyncSessions() as sync_db:
        return sync_db.execute(select(1)).all()
"""

# One GL002 (`db.commit()`, line 5).
UNAWAITED = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def save(db: AsyncSession) -> None:
    db.commit()
"""

# GL007 (unsafe fix only).
SYNC_ENGINE_ASYNC_DRIVER = """\
from sqlalchemy import create_engine

engine = create_engine("postgresql+asyncpg://app@localhost/app")
"""


def big_module(functions: int = 1000) -> str:
    """A module with one GL002 per function, that takes the server a good third of a second to analyse."""
    body = "".join(
        f"\n\nasync def save_{index}(db: AsyncSession, user) -> None:\n    db.add(user)\n    db.commit()\n"
        for index in range(functions)
    )
    return "from sqlalchemy.ext.asyncio import AsyncSession\n" + body
