"""The workspace index in the server: cross-module diagnostics, indexing progress, and re-checks when a module
that an open document imports changes (in the editor or on disk)."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path

import pytest
from lsprotocol import types

from lsptools import FAST, Editor, GreenlintTestClient, client_capabilities, codes

pytestmark = pytest.mark.asyncio(loop_scope="session")

MODELS = """
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    books: Mapped[list["Book"]] = relationship()


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
"""
DEPS = """
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

Sessions = async_sessionmaker(create_async_engine("sqlite+aiosqlite:///app.db"))


async def get_db():
    async with Sessions() as session:
        yield session


Db = Annotated[AsyncSession, Depends(get_db)]
"""
ROUTES = """
from fastapi import APIRouter

from .deps import Db
from .models import Author

router = APIRouter()


@router.get("/authors/{author_id}/titles")
async def titles(author_id: int, db: Db) -> list[str]:
    author = await db.get(Author, author_id)
    return [book.title for book in author.books]
"""


def workspace(root: Path) -> Path:
    package = root / "app"
    package.mkdir()
    for name, text in {"__init__.py": "", "models.py": MODELS, "deps.py": DEPS, "routes.py": ROUTES}.items():
        (package / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return package


async def start(client: GreenlintTestClient, root: Path, progress: bool = False) -> Editor:
    capabilities = copy.deepcopy(client_capabilities(client.profile))
    if progress:
        capabilities.window = capabilities.window or types.WindowClientCapabilities()
        capabilities.window.work_done_progress = True
    return await Editor.start(client, root, options=FAST, capabilities=capabilities)


async def test_diagnostics_use_models_and_dependencies_of_other_modules(
    client: GreenlintTestClient, tmp_path: Path
) -> None:
    package = workspace(tmp_path)
    editor = await start(client, tmp_path)
    uri = editor.open("app/routes.py", (package / "routes.py").read_text(encoding="utf-8"))
    diagnostics = await editor.diagnostics(uri)
    assert codes(diagnostics) == ["GL101"]
    [related] = diagnostics[0].related_information or []
    assert related.location.uri == (package / "models.py").as_uri()
    assert related.location.range.start.line == 11  # `books: Mapped[...]` in models.py, 0-based
    assert "Author.books" in related.message


async def test_indexing_reports_work_done_progress(client: GreenlintTestClient, tmp_path: Path) -> None:
    workspace(tmp_path)
    editor = await start(client, tmp_path, progress=True)

    def ended() -> list[object]:
        return [value for values in client.progress_reports.values() for value in values if value.kind == "end"]

    await editor.until(ended, "the end of indexing progress")
    [reports] = list(client.progress_reports.values())
    begin, end = reports[0], reports[-1]
    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.title == "greenlint: indexing"
    assert isinstance(end, types.WorkDoneProgressEnd) and end.message == "4 modules indexed"


async def test_editing_a_model_checks_its_importers_again(client: GreenlintTestClient, tmp_path: Path) -> None:
    package = workspace(tmp_path)
    editor = await start(client, tmp_path)
    routes = editor.open("app/routes.py", (package / "routes.py").read_text(encoding="utf-8"))
    assert codes(await editor.diagnostics(routes)) == ["GL101"]
    models = editor.open("app/models.py", (package / "models.py").read_text(encoding="utf-8"))
    assert codes(await editor.diagnostics(models)) == []
    editor.change(models, editor.texts[models].replace("relationship()", 'relationship(lazy="selectin")'))
    await editor.settled(routes, lambda found: codes(found) == [])


async def test_a_changed_file_on_disk_checks_its_importers_again(client: GreenlintTestClient, tmp_path: Path) -> None:
    package = workspace(tmp_path)
    editor = await start(client, tmp_path)
    routes = editor.open("app/routes.py", (package / "routes.py").read_text(encoding="utf-8"))
    assert codes(await editor.diagnostics(routes)) == ["GL101"]
    models = package / "models.py"
    models.write_text(models.read_text(encoding="utf-8").replace("relationship()", 'relationship(lazy="joined")'))
    change = types.FileEvent(uri=models.as_uri(), type=types.FileChangeType.Changed)
    editor.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[change]))
    await editor.settled(routes, lambda found: codes(found) == [])


COMMITTING = """
from fastapi import APIRouter

from .deps import Db
from .models import Author

router = APIRouter()


@router.post("/authors")
async def create_author(db: Db) -> int:
    author = Author()
    db.add(author)
    await db.commit()
    return author.id
"""


async def test_factory_fix_edits_the_module_that_creates_the_factory(
    client: GreenlintTestClient, tmp_path: Path
) -> None:
    package = workspace(tmp_path)
    (package / "create.py").write_text(textwrap.dedent(COMMITTING).lstrip(), encoding="utf-8")
    editor = await start(client, tmp_path)
    uri = editor.open("app/create.py", (package / "create.py").read_text(encoding="utf-8"))
    diagnostics = await editor.diagnostics(uri)
    assert codes(diagnostics) == ["GL103"]
    titles = [action.title for action in await editor.code_actions(uri, diagnostics)]
    assert titles[:2] == [
        "greenlint (GL103): Refresh `author` after the commit",
        "greenlint (GL103): Set expire_on_commit=False on the session factory (changes every session it makes)",
    ]
    action = await editor.action(uri, titles[1], diagnostics)
    if editor.resolves_edits:
        action = await editor.client.code_action_resolve_async(action)
    edit = action.edit
    assert edit is not None
    deps = (package / "deps.py").as_uri()
    if editor.versioned_edits:
        assert edit.document_changes is not None
        [change] = edit.document_changes
        assert isinstance(change, types.TextDocumentEdit)
        assert (change.text_document.uri, change.text_document.version) == (deps, None)
        edits = change.edits
    else:
        assert edit.changes is not None and list(edit.changes) == [deps]
        edits = edit.changes[deps]
    [text_edit] = edits
    assert isinstance(text_edit, types.TextEdit)
    assert text_edit.new_text == ", expire_on_commit=False"
    assert text_edit.range.start.line == 5  # `Sessions = async_sessionmaker(...)` in deps.py, 0-based


def indexing_runs(client: GreenlintTestClient) -> list[list[object]]:
    """The work-done progress reports the server sent, one list per token (created, maybe not begun), in order."""
    return [list(values) for values in client.progress_reports.values()]


def ended(client: GreenlintTestClient) -> list[object]:
    return [run[-1] for run in indexing_runs(client) if run and isinstance(run[-1], types.WorkDoneProgressEnd)]


SERVICE = """
from .models import Author


async def names_{index}(authors: list[Author]) -> list[str]:
    return [author.name for author in authors if author.id % {modulo} == 0]
"""


async def test_a_large_change_on_disk_is_indexed_again_with_progress(
    client: GreenlintTestClient, tmp_path: Path
) -> None:
    """A checkout or a generator changing more than LARGE_CHANGE files gets its own progress; a few files do not."""
    package = workspace(tmp_path)
    editor = await start(client, tmp_path, progress=True)
    await editor.until(lambda: ended(client), "the end of the first indexing")

    def created(names: list[str]) -> types.DidChangeWatchedFilesParams:
        for name in names:
            (package / name).write_text(SERVICE.format(index=name[:-3], modulo=7), encoding="utf-8")
        events = [types.FileEvent(uri=(package / name).as_uri(), type=types.FileChangeType.Created) for name in names]
        return types.DidChangeWatchedFilesParams(changes=events)

    client.workspace_did_change_watched_files(created([f"small_{index}.py" for index in range(10)]))
    client.workspace_did_change_watched_files(created([f"large_{index}.py" for index in range(60)]))
    await editor.until(lambda: len(ended(client)) == 2, "the end of indexing the changed files")
    [first, second] = indexing_runs(client)
    assert isinstance(second[0], types.WorkDoneProgressBegin)
    assert second[0].title == "greenlint: indexing changed files"
    assert isinstance(second[-1], types.WorkDoneProgressEnd) and second[-1].message == "60 modules indexed"
    assert isinstance(first[-1], types.WorkDoneProgressEnd) and first[-1].message == "4 modules indexed"


async def test_an_open_document_is_checked_before_indexing_ends(client: GreenlintTestClient, tmp_path: Path) -> None:
    """Indexing runs in small chunks between document analyses: a document opened at start-up gets its
    diagnostics, which need the models of another module, long before the whole workspace is indexed."""
    package = workspace(tmp_path)
    for index in range(600):
        (package / f"service_{index}.py").write_text(SERVICE.format(index=index, modulo=index + 2), encoding="utf-8")
    editor = await start(client, tmp_path, progress=True)
    await editor.until(lambda: any(indexing_runs(client)), "the beginning of indexing")
    routes = editor.open("app/routes.py", (package / "routes.py").read_text(encoding="utf-8"))
    assert codes(await editor.diagnostics(routes, timeout=60)) == ["GL101"]
    [run] = indexing_runs(client)
    assert isinstance(run[-1], (types.WorkDoneProgressBegin, types.WorkDoneProgressReport)), run[-1]
    assert (run[-1].percentage or 0) < 50, f"the diagnostics waited for the index: {run[-1].message}"
    await editor.until(lambda: ended(client), "the end of indexing", timeout=120)
    [run] = indexing_runs(client)
    assert isinstance(run[-1], types.WorkDoneProgressEnd) and run[-1].message == "604 modules indexed"
