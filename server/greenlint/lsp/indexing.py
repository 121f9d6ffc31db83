"""The server's workspace index: built in the background with work-done progress, kept current from open
documents and watched files, and which open documents to check again when a module they import changes."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from pathlib import Path

from lsprotocol import types
from pygls.progress import Progress as WorkDone
from pygls.uris import to_fs_path

from greenlint.core.cache import FindingCache
from greenlint.core.files import PYTHON_SUFFIXES, discover
from greenlint.core.manifests import ProjectFiles
from greenlint.semantics.index import WorkspaceIndex
from greenlint.semantics.index_cache import SummaryCache
from greenlint.semantics.summary import ModuleSummary

CHUNK = 8  # summaries computed per executor task: open documents' analyses wait for at most one chunk
LARGE_CHANGE = 50  # watched-file changes that are re-indexed with progress reported


def uri_path(uri: str) -> Path | None:
    """The file a `file:` URI names (None for other schemes)."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return Path(os.path.abspath(path)) if path else None


class Indexer:
    """Owns the index; runs its work on the analysis executor, in small chunks between document analyses."""

    def __init__(self, executor: Executor, log: Callable[[str], None]) -> None:
        self.executor = executor
        self.log = log
        self.index = WorkspaceIndex()
        self.runs = itertools.count(1)
        # Which Python files each open manifest speaks for; the projects outside the indexed folders are walked
        # (once) when a manifest of theirs is opened.
        self.projects = ProjectFiles(self.index)

    def use_cache_of(self, folder: Path) -> None:
        """Keep summaries in the folder's `.greenlint_cache` (shared with the CLI)."""
        self.index.cache = SummaryCache(FindingCache(folder).summaries)

    async def build(
        self,
        folders: list[Path],
        is_excluded: Callable[[Path], bool],
        progress: Progress | None,
    ) -> None:
        """Find the folders' Python files (or take the files given) and summarize them all."""
        loop = asyncio.get_running_loop()
        errors: list[str] = []
        files = await loop.run_in_executor(
            self.executor, lambda: [f.path for f in discover([str(f) for f in folders], is_excluded, errors.append)]
        )
        for error in errors[:5]:
            self.log(f"greenlint: indexing: {error}")
        self.index.add_all(files)
        self.projects.covered(folder for folder in folders if folder.is_dir())
        await self.summarize(files, progress)

    async def summarize(self, files: list[Path], progress: Progress | None) -> None:
        loop = asyncio.get_running_loop()
        if progress is not None:
            await progress.begin(len(files))
        for start in range(0, len(files), CHUNK):
            chunk = files[start : start + CHUNK]
            await loop.run_in_executor(self.executor, self._summaries, chunk)
            if progress is not None:
                progress.report(start + len(chunk), len(files))
        if self.index.cache is not None:
            await loop.run_in_executor(self.executor, self.index.cache.save)
        if progress is not None:
            progress.end(len(files))

    def _summaries(self, files: Iterable[Path]) -> None:
        for path in files:
            self.index.summary(path)

    def document_summary(self, uri: str, summary: ModuleSummary | None) -> bool:
        """An open document's summary overlays its file's (None: the file speaks again); True if what the
        module offers others changed."""
        path = uri_path(uri)
        if path is None or not path.name.endswith(PYTHON_SUFFIXES):
            return False
        self.index.add(path)
        return self.index.overlay(path, summary)

    def files_changed(self, changes: Iterable[types.FileEvent]) -> list[Path]:
        """Apply watched-file events; the Python files created or changed (to summarize again)."""
        present: list[Path] = []
        for change in changes:
            path = uri_path(change.uri)
            if path is None or not path.name.endswith(PYTHON_SUFFIXES):
                continue
            if change.type == types.FileChangeType.Deleted:
                self.index.remove(path)
                continue
            if change.type == types.FileChangeType.Created:
                self.index.add(path)
            else:
                self.index.changed(path)
            present.append(path)
        return present


class Progress:
    """Work-done progress for indexing, when the client supports it (`window.workDoneProgress`)."""

    def __init__(self, work: WorkDone, log: Callable[[str], None], token: str, title: str) -> None:
        self.work, self.log = work, log
        self.token, self.title = token, title
        self.created = False

    async def begin(self, total: int) -> None:
        try:
            await self.work.create_async(self.token)
        except Exception as error:  # noqa: BLE001 - a client that refuses gets no progress, indexing goes on
            self.log(f"greenlint: no indexing progress: {error}")
            return
        self.created = True
        self.work.begin(self.token, types.WorkDoneProgressBegin(self.title, message=f"0/{total} modules", percentage=0))

    def report(self, done: int, total: int) -> None:
        if self.created:
            percentage = done * 100 // total if total else 100
            value = types.WorkDoneProgressReport(message=f"{done}/{total} modules", percentage=percentage)
            self.work.report(self.token, value)

    def end(self, total: int) -> None:
        if self.created:
            self.work.end(self.token, types.WorkDoneProgressEnd(message=f"{total} modules indexed"))
