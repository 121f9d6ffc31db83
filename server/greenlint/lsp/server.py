"""`greenlint server`: document sync, debounced analysis off the event loop, diagnostics and code actions."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from greenlint import __version__
from greenlint.core.checker import Checker
from greenlint.core.config import ConfigError, Settings
from greenlint.core.files import is_manifest
from greenlint.core.source import SourceDecodeError, SourceText
from greenlint.lsp.actions import FIX_ALL, code_actions, edits_for, workspace_edit
from greenlint.lsp.collector import IdleCollector
from greenlint.lsp.convert import PositionMap, not_checked
from greenlint.lsp.documents import DocumentResult, analyze_document, carried_over
from greenlint.lsp.indexing import LARGE_CHANGE, Indexer, Progress, uri_path
from greenlint.lsp.settings import RUN_ON_SAVE, ClientSettings
from greenlint.lsp.workspace import LspWorkspace

CONFIG_SECTION = "greenlint"


class GreenlintServer(LanguageServer):
    """Keeps one analysis per open document; publishes only results for the document's current version."""

    def __init__(self) -> None:
        super().__init__("greenlint", __version__)
        self.client_settings = ClientSettings()
        self.folder_settings: dict[str, ClientSettings] = {}
        self.checker = Checker(use_cache=False)
        self.results: dict[str, DocumentResult] = {}
        self.last_good: dict[str, DocumentResult] = {}  # the latest analysis that parsed, per document
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.running: dict[str, tuple[int, asyncio.Future[DocumentResult | None]]] = {}  # analyses under way
        self.generation = 0  # bumped when settings change: older analyses are not kept
        self.epochs: dict[str, int] = {}  # bumped when a document is opened again
        self.config_errors: set[str] = set()  # each broken configuration is reported once
        self.analysis_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="greenlint-analysis")
        self.collector = IdleCollector()
        self.indexer = Indexer(self.analysis_thread, lambda message: self.log(types.MessageType.Log, message))
        self.indexer.projects.is_excluded = self.is_excluded
        self.indexing: asyncio.Task[None] | None = None
        self.rechecks: set[asyncio.Task[None]] = set()  # finding which open documents a change affects
        self.not_checked: set[str] = set()  # documents whose last analysis said why they are not checked

    # -- capabilities of the client ----------------------------------------------------------------------------
    @property
    def pulls_diagnostics(self) -> bool:
        document = self.client_capabilities.text_document
        return document is not None and document.diagnostic is not None

    @property
    def resolves_edits(self) -> bool:
        document = self.client_capabilities.text_document
        action = document.code_action if document is not None else None
        support = action.resolve_support if action is not None else None
        return support is not None and "edit" in support.properties

    @property
    def versioned_edits(self) -> bool:
        workspace = self.client_capabilities.workspace
        edit = workspace.workspace_edit if workspace is not None else None
        return bool(edit is not None and edit.document_changes)

    def document(self, uri: str) -> TextDocument | None:
        """The open document for a URI as the client spells it (pygls keys documents by the unquoted URI)."""
        document: TextDocument | None = self.workspace.text_documents.get(unquote(uri))
        return document

    def token(self, uri: str) -> tuple[int, int]:
        """Changes when the settings change or the document is reopened: older analyses are then discarded."""
        return self.generation, self.epochs.get(uri, 0)

    # -- settings -------------------------------------------------------------------------------------------
    def settings_for(self, uri: str) -> tuple[ClientSettings, Settings, tuple[str, ...]]:
        """The editor settings of the document's folder, merged over its pyproject.toml's."""
        client = self.client_settings
        for folder, settings in sorted(self.folder_settings.items(), key=lambda item: -len(item[0])):
            if uri.startswith(folder.rstrip("/") + "/"):
                client = settings
                break
        path = Path(to_fs_path(uri) or ".")
        try:
            file_settings = self.checker.settings_for(path)
        except ConfigError as error:
            if str(error) not in self.config_errors:
                self.config_errors.add(str(error))
                self.log(types.MessageType.Error, f"greenlint: {error} (using the defaults)")
            file_settings = Settings()
        return client, client.over(file_settings), file_settings.ignored_for(path)

    def other_document(self, path: Path) -> tuple[str, int | None, str, PositionMap] | None:
        """Another file a fix changes: its URI, version (None: not open), text and positions."""
        uri = path.as_uri()
        document = self.document(uri)
        if document is not None:
            text, version = document.source, document.version
        else:
            try:
                text, version = SourceText.decode(path.read_bytes()).text, None
            except (OSError, SourceDecodeError):
                return None
        encoding = str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        return uri, version, text, PositionMap(text, encoding)

    def is_excluded(self, path: Path) -> bool:
        """Excluded by its pyproject.toml's `exclude` (a broken configuration excludes nothing)."""
        try:
            return self.checker.is_excluded(path)
        except ConfigError:
            return False

    def warn(self, message: str) -> None:
        self.log(types.MessageType.Warning, message)

    def log(self, level: types.MessageType, message: str) -> None:
        self.window_log_message(types.LogMessageParams(type=level, message=message))

    async def refresh_settings(self) -> None:
        """Ask the client for the `greenlint` section of each workspace folder (workspace/configuration)."""
        workspace = self.client_capabilities.workspace
        if workspace is None or not workspace.configuration:
            return
        folders = list(self.workspace.folders.values())
        items = [types.ConfigurationItem(section=CONFIG_SECTION)]
        items += [types.ConfigurationItem(scope_uri=folder.uri, section=CONFIG_SECTION) for folder in folders]
        try:
            values = await self.workspace_configuration_async(types.ConfigurationParams(items=items))
        except Exception as error:  # noqa: BLE001 - a client that fails this keeps the previous settings
            self.warn(f"greenlint: workspace/configuration failed: {error}")
            return
        if values and values[0] is not None:
            self.client_settings = ClientSettings.parse(values[0], self.warn)
        for folder, value in zip(folders, values[1:], strict=False):
            if value is not None:
                self.folder_settings[folder.uri] = ClientSettings.parse(value, self.warn)

    def recheck_all(self) -> None:
        """Settings or a pyproject.toml changed: analyse every open document again, from scratch."""
        self.checker = Checker(use_cache=False)
        self.config_errors.clear()
        self.generation += 1
        self.running.clear()  # an analysis under way used the old settings: its result is not reused
        for uri in list(self.results):
            self.retire(self.results.pop(uri))
        for document in list(self.workspace.text_documents.values()):
            self.schedule(document.uri, delay=0.0)
        if self.pulls_diagnostics:
            self.refresh_pulled_diagnostics()

    # -- analysis ---------------------------------------------------------------------------------------------
    def schedule(self, uri: str, delay: float | None = None) -> None:
        """(Re)start the debounced analysis of a document; an older pending one is cancelled."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        if delay is None:
            delay = self.settings_for(uri)[0].debounce_ms / 1000
        self.pending[uri] = asyncio.ensure_future(self._analyze_later(uri, delay))

    def is_python(self, uri: str) -> bool:
        document = self.document(uri)
        return document is not None and (document.language_id == "python" or unquote(uri).endswith((".py", ".pyw")))

    def is_manifest(self, uri: str) -> bool:
        """A dependency manifest on disk (pyproject.toml, requirements*.txt, requirements/*.txt, setup.cfg)."""
        path = uri_path(uri)
        return path is not None and is_manifest(path)

    def is_checked(self, uri: str) -> bool:
        """Open Python documents and manifests are analysed; other documents the client sends are not."""
        return self.is_python(uri) or (self.document(uri) is not None and self.is_manifest(uri))

    async def _analyze_later(self, uri: str, delay: float) -> None:
        await asyncio.sleep(delay)
        result = await self.current(uri)
        if result is not None and not self.pulls_diagnostics:
            self.publish(result)

    async def current(self, uri: str, follow: bool = False) -> DocumentResult | None:
        """The analysis of the document's current version (computed once, off the event loop).

        None when the document changed while it ran (a newer analysis is scheduled), unless `follow`: then the
        analysis of the newest version, for requests that must be answered.
        """
        while True:
            document = self.document(uri)
            if document is None or not self.is_checked(uri):
                return None
            version = document.version or 0
            cached = self.results.get(uri)
            if cached is not None and cached.version == version:
                return cached
            token = self.token(uri)
            running = self.running.get(uri)
            if running is None or running[0] != version:
                future = asyncio.ensure_future(self._analyze(uri, version, document.source, token))
                running = (version, future)
                self.running[uri] = running
                future.add_done_callback(lambda done: self._finished(uri, done))
            result = await asyncio.shield(running[1])  # None: skipped, the document had moved on
            now = self.document(uri)
            if result is not None and token == self.token(uri) and now is not None and (now.version or 0) == version:
                return result
            if not follow and token == self.token(uri):
                return None  # the document changed meanwhile: never publish an older version

    def _finished(self, uri: str, future: asyncio.Future[DocumentResult | None]) -> None:
        running = self.running.get(uri)
        if running is not None and running[1] is future:
            del self.running[uri]

    def superseded(self, uri: str, version: int, token: tuple[int, int]) -> bool:
        """Whether the document has moved on from `version` (or was reopened, or the settings changed)."""
        document = self.document(uri)
        return document is None or (document.version or 0) != version or token != self.token(uri)

    async def _analyze(self, uri: str, version: int, text: str, token: tuple[int, int]) -> DocumentResult | None:
        """The analysis of one version on the analysis thread; None if, when its turn came, the document had moved
        on (in an edit storm, analyses of versions no one can use any more would queue up behind one another)."""
        _, settings, ignores = self.settings_for(uri)
        encoding = str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        loop = asyncio.get_running_loop()
        index, path, projects = self.indexer.index, uri_path(uri), self.indexer.projects

        def analysis() -> DocumentResult | None:
            if self.superseded(uri, version, token):  # read on the analysis thread: plain attribute reads
                return None
            return analyze_document(uri, version, text, settings, encoding, ignores, index, path, projects)

        result = await loop.run_in_executor(self.analysis_thread, analysis)
        if result is None:
            return None
        if token != self.token(uri):
            return result  # settings changed or the document was reopened meanwhile: kept by no one
        if result.analysis.syntax_error is None and self.indexer.document_summary(uri, result.analysis.summary):
            self.recheck_dependents(except_uri=uri)
        for failure in result.analysis.failures:
            self.log(types.MessageType.Error, f"greenlint: {failure.code} failed on {uri}: {failure.error}")
        previous, good = self.results.get(uri), self.last_good.get(uri)
        if result.analysis.syntax_error is None:
            self.last_good[uri] = result
        elif good is not None:
            result.diagnostics = carried_over(good, text)
        self.report_not_checked(uri, result)
        if self.document(uri) is not None:
            self.results[uri] = result
        self.retire(previous)
        self.retire(good)
        self.collector.analysed()
        return result

    def report_not_checked(self, uri: str, result: DocumentResult) -> None:
        """Log why a document is not checked, once until it checks again. What is not a syntax error (code nested
        too deeply, a document over the size limit) also shows as one information diagnostic; editors show syntax
        errors themselves."""
        problem = result.analysis.syntax_error
        if problem is None:
            self.not_checked.discard(uri)
            return
        message = problem.headline
        if not problem.syntax:
            diagnostic = not_checked(message, problem.position, result.positions, result.version)
            result.diagnostics = [*result.diagnostics, diagnostic]
        if uri in self.not_checked or result.analysis.failures:  # failures are logged as errors
            return
        self.not_checked.add(uri)
        where = f"{uri}:{problem.position.line}:{problem.position.column}"
        if problem.syntax:
            self.log(types.MessageType.Log, f"greenlint: {where}: not checked: syntax error: {message}")
        else:
            self.log(types.MessageType.Warning, f"greenlint: {where}: not checked: {message}")

    def recheck_manifests(self, except_uri: str | None = None) -> None:
        """A manifest changed on disk: analyse the open manifests again (one may include it, or now be nearer to
        some Python files than another)."""
        found = False
        for uri in [uri for uri in self.results if uri != except_uri and self.is_manifest(uri)]:
            found = True
            self.retire(self.results.pop(uri))
            self.schedule(uri)
        if found and self.pulls_diagnostics:
            self.refresh_pulled_diagnostics()

    def recheck_dependents(self, except_uri: str | None = None) -> None:
        """Modules changed what they offer (or appeared): analyse again the open documents whose analyses used
        what changed (the index tells, on the analysis thread: it may have to summarize a changed file)."""
        task = asyncio.ensure_future(self._recheck_dependents(except_uri))
        self.rechecks.add(task)
        task.add_done_callback(self.rechecks.discard)

    async def _recheck_dependents(self, except_uri: str | None) -> None:
        results = {uri: result for uri, result in self.results.items() if uri != except_uri}
        index = self.indexer.index
        stale = await asyncio.get_running_loop().run_in_executor(
            self.analysis_thread,
            lambda: [uri for uri, result in results.items() if not index.still_valid(result.analysis.consulted)],
        )
        found = False
        for uri in stale:
            if self.results.get(uri) is results[uri]:  # not analysed again meanwhile
                found = True
                self.retire(self.results.pop(uri))
                self.schedule(uri)
        if found and self.pulls_diagnostics:
            self.refresh_pulled_diagnostics()

    def refresh_pulled_diagnostics(self) -> None:
        workspace = self.client_capabilities.workspace
        if workspace is not None and workspace.diagnostics is not None and workspace.diagnostics.refresh_support:
            self.workspace_diagnostic_refresh(None)

    def start_indexing(self, folders: list[Path], title: str = "greenlint: indexing") -> None:
        """(Re)build the index of workspace folders (or files) in the background, with progress when supported."""
        if self.indexing is not None:
            self.indexing.cancel()
        self.indexing = asyncio.ensure_future(self._index(folders, title))

    async def _index(self, folders: list[Path], title: str) -> None:
        window = self.client_capabilities.window
        progress = None
        if window is not None and window.work_done_progress:
            token = f"greenlint-indexing-{next(self.indexer.runs)}"
            progress = Progress(self.work_done_progress, self.warn, token, title)
        try:
            await self.indexer.build(folders, self.checker.is_excluded, progress)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - diagnostics go on without the rest of the workspace
            self.log(types.MessageType.Error, f"greenlint: indexing failed: {error}")
            return
        self.recheck_dependents()

    def retire(self, result: DocumentResult | None) -> None:
        """Free a result's tree as soon as neither the current nor the last good result is it."""
        if result is not None and result not in (self.results.get(result.uri), self.last_good.get(result.uri)):
            result.analysis.release()

    def publish(self, result: DocumentResult) -> None:
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=result.uri, diagnostics=result.diagnostics, version=result.version)
        )

    def forget(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.running.pop(uri, None)
        self.epochs[uri] = self.epochs.get(uri, 0) + 1
        self.not_checked.discard(uri)
        self.retire(self.results.pop(uri, None))
        self.retire(self.last_good.pop(uri, None))
        if not self.pulls_diagnostics:
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        if self.indexer.document_summary(uri, None):  # the file on disk speaks for the module again
            self.recheck_dependents()


server = GreenlintServer()


@server.feature(types.INITIALIZE)
def initialize(ls: GreenlintServer, params: types.InitializeParams) -> None:
    ls.workspace.__class__ = LspWorkspace  # lines broken only at \n, \r\n and \r (see lsp/workspace.py)
    ls.client_settings = ClientSettings.parse(params.initialization_options, ls.warn)


@server.feature(types.INITIALIZED)
async def initialized(ls: GreenlintServer, params: types.InitializedParams) -> None:
    # Indexing starts first: its listing of the workspace's files reaches the analysis thread before the first
    # document's analysis (which then resolves its imports), while the settings request is under way.
    folders = [path for folder in ls.workspace.folders.values() if (path := uri_path(folder.uri)) is not None]
    if not folders and ls.workspace.root_uri and (root := uri_path(ls.workspace.root_uri)) is not None:
        folders = [root]
    if folders:
        ls.indexer.use_cache_of(folders[0])
        ls.start_indexing(folders)
        await asyncio.sleep(0)  # let the indexing task hand the listing to the analysis thread
    await ls.refresh_settings()
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace is not None else None
    if watched is not None and watched.dynamic_registration:
        watchers = [
            types.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
            types.FileSystemWatcher(glob_pattern="**/*.py"),
            types.FileSystemWatcher(glob_pattern="**/requirements*.txt"),
            types.FileSystemWatcher(glob_pattern="**/requirements/*.txt"),
            types.FileSystemWatcher(glob_pattern="**/setup.cfg"),
        ]
        options = types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers)
        registration = types.Registration(
            id="greenlint-watch", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options
        )
        try:
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
        except Exception as error:  # noqa: BLE001 - without file watching, saving pyproject.toml still re-checks
            ls.warn(f"greenlint: cannot watch pyproject.toml and Python files: {error}")
    if ls.workspace.text_documents:
        ls.recheck_all()


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: GreenlintServer, params: types.DidChangeConfigurationParams) -> None:
    workspace = ls.client_capabilities.workspace
    if workspace is not None and workspace.configuration:
        await ls.refresh_settings()
    elif params.settings is not None:
        ls.client_settings = ClientSettings.parse(params.settings, ls.warn)
    ls.recheck_all()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: GreenlintServer, params: types.DidChangeWatchedFilesParams) -> None:
    if any(change.uri.endswith("pyproject.toml") for change in params.changes):
        ls.recheck_all()
    elif any(ls.is_manifest(change.uri) for change in params.changes):
        ls.recheck_manifests()
    changed = ls.indexer.files_changed(params.changes)
    if len(changed) > LARGE_CHANGE:  # a checkout or a generator: summarize them again now, with progress
        ls.start_indexing(sorted(changed), "greenlint: indexing changed files")
    ls.recheck_dependents()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: GreenlintServer, params: types.DidOpenTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.epochs[uri] = ls.epochs.get(uri, 0) + 1
    ls.running.pop(uri, None)
    ls.retire(ls.results.pop(uri, None))
    ls.schedule(uri, delay=0.0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: GreenlintServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    if ls.settings_for(uri)[0].run != RUN_ON_SAVE:
        ls.schedule(uri)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: GreenlintServer, params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    if uri.endswith("pyproject.toml"):
        ls.recheck_all()  # settings, and the open manifests: every open document is checked again
        return
    if ls.is_manifest(uri):
        ls.recheck_manifests(except_uri=uri)
    if ls.settings_for(uri)[0].run == RUN_ON_SAVE or uri not in ls.results:
        ls.schedule(uri, delay=0.0)


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: GreenlintServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.forget(params.text_document.uri)


@server.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(identifier="greenlint", inter_file_dependencies=True, workspace_diagnostics=False),
)
async def pull_diagnostics(
    ls: GreenlintServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    uri = params.text_document.uri
    on_save = ls.settings_for(uri)[0].run == RUN_ON_SAVE
    result = ls.results.get(uri) if on_save and uri in ls.results else await ls.current(uri, follow=True)
    if result is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    if params.previous_result_id == result.result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result.result_id)
    return types.RelatedFullDocumentDiagnosticReport(items=result.diagnostics, result_id=result.result_id)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=True),
)
async def code_action(ls: GreenlintServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    result = await ls.current(params.text_document.uri, follow=True)
    if result is None:
        return None
    client = ls.settings_for(result.uri)[0]
    actions = code_actions(result, params.context, disable_comment=client.disable_rule_comment, fix_all=client.fix_all)
    if not ls.resolves_edits:
        actions = [resolve(ls, action) for action in actions]
    return actions or None


@server.feature(types.CODE_ACTION_RESOLVE)
def code_action_resolve(ls: GreenlintServer, action: types.CodeAction) -> types.CodeAction:
    return resolve(ls, action)


def resolve(ls: GreenlintServer, action: types.CodeAction) -> types.CodeAction:
    """Fill in an action's edit from the analysis it was made from (nothing, if the document moved on)."""
    data: Any = action.data
    if not isinstance(data, dict):
        return action
    result = ls.results.get(str(data.get("uri")))
    if result is None or result.version != data.get("version"):
        return action
    changes = edits_for(result, data, ls.other_document)
    if changes:
        action.edit = workspace_edit(changes, ls.versioned_edits)
    return action


def run(tcp: str | None = None) -> int:
    """Serve over stdio (the default) or TCP (`HOST:PORT`, for debugging); logs go to stderr.

    Returns 0 after `shutdown` then `exit`, 1 when the client exits without shutting down (as LSP says).
    """
    level = os.environ.get("GREENLINT_LOG_LEVEL", "warning").upper()
    logging.basicConfig(
        level=getattr(logging, level, logging.WARNING), format="%(asctime)s greenlint %(levelname)s %(message)s"
    )
    gc.freeze()  # what is loaded at start-up is never garbage
    gc.disable()  # collections run when the editor is idle (IdleCollector)
    if tcp is None:
        server.start_io()
    else:
        host, _, port = tcp.rpartition(":")
        server.start_tcp(host or "127.0.0.1", int(port))
    return 0 if server.protocol._shutdown else 1
