"""Dependency manifests in the editor: pyproject.toml / requirements*.txt / setup.cfg documents get GL301 and its
quick fixes; they are checked again when they change, when the Python files they speak for change, and when a
file they include changes on disk; saving pyproject.toml checks the open Python documents again."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path

import pytest
from lsprotocol import types

from casetools import APP, PYPROJECT, PYPROJECT_FIXED, SYNC_APP
from lsptools import FAST, Editor, GreenlintTestClient, by_code, client_capabilities, codes

pytestmark = [
    pytest.mark.asyncio(loop_scope="session"),
    pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning"),
]

DEPEND = "greenlint (GL301): Depend on `sqlalchemy[asyncio]` (installs greenlet)"
DISABLE = "Disable GL301 for this line"
UNAWAITED = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def save(db: AsyncSession) -> None:
    db.commit()
"""


def on_disk(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def declares_is_preferred(editor: Editor) -> bool:
    document = editor.capabilities.text_document
    action = document.code_action if document is not None else None
    return bool(action is not None and action.is_preferred_support)


async def test_pyproject_gets_the_diagnostic_and_its_quick_fix(editor: Editor) -> None:
    on_disk(editor.root, {"app/__init__.py": "", "app/db.py": APP})
    uri = editor.open("pyproject.toml", PYPROJECT, language="toml")
    diagnostics = await editor.diagnostics(uri)
    diagnostic = by_code(diagnostics, "GL301")
    assert codes(diagnostics) == ["GL301"]
    assert diagnostic.range == types.Range(types.Position(5, 4), types.Position(5, 21))
    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.message.startswith("`sqlalchemy>=2.1` can install SQLAlchemy 2.1")
    assert diagnostic.code_description is not None
    assert diagnostic.code_description.href.endswith("/docs/rules/GL301.md")
    actions = await editor.code_actions(uri, [diagnostic], only=[types.CodeActionKind.QuickFix])
    assert [action.title for action in actions] == [DEPEND, DISABLE]
    assert actions[0].is_preferred or not declares_is_preferred(editor)
    assert await editor.apply(uri, actions[0]) == PYPROJECT_FIXED
    assert await editor.diagnostics(uri) == []


async def test_editing_the_manifest_checks_it_again(editor: Editor) -> None:
    on_disk(editor.root, {"app/db.py": APP})
    uri = editor.open("pyproject.toml", PYPROJECT_FIXED, language="toml")
    assert await editor.diagnostics(uri) == []
    editor.change(uri, PYPROJECT)
    assert codes(await editor.diagnostics(uri)) == ["GL301"]
    editor.change(uri, PYPROJECT.replace('    "asyncpg>=0.29",\n', ""))
    assert codes(await editor.diagnostics(uri)) == ["GL301", "GL301"]  # and now asyncpg is missing too
    editor.change(uri, PYPROJECT.replace("[project]", "[project"))  # broken while typing: no new diagnostics
    await editor.quiet(0.2)
    editor.change(uri, PYPROJECT_FIXED)
    assert await editor.diagnostics(uri) == []


async def test_requirements_file_quick_fixes_fix_all_and_noqa(editor: Editor) -> None:
    on_disk(editor.root, {"app/db.py": APP})
    text = "fastapi\nSQLAlchemy  # the ORM\nuvicorn\n"
    uri = editor.open("requirements.txt", text, language="pip-requirements")
    diagnostics = await editor.diagnostics(uri)
    assert codes(diagnostics) == ["GL301", "GL301"]
    assert {d.range.start.line for d in diagnostics} == {1}
    [fix_all] = await editor.code_actions(uri, only=["source.fixAll.greenlint"])
    fixed = "fastapi\nSQLAlchemy[asyncio]  # the ORM\nasyncpg\nuvicorn\n"
    assert await editor.apply(uri, fix_all) == fixed
    assert await editor.diagnostics(uri) == []
    editor.change(uri, text)
    diagnostics = await editor.diagnostics(uri)
    driver = next(d for d in diagnostics if "asyncpg" in d.message)
    titles = [action.title for action in await editor.code_actions(uri, [driver], only=[types.CodeActionKind.QuickFix])]
    assert titles == ["greenlint (GL301): Add `asyncpg` to requirements.txt", DISABLE]
    disable = await editor.action(uri, DISABLE, [driver])
    assert await editor.apply(uri, disable) == text.replace("# the ORM", "# the ORM  # noqa: GL301")
    assert await editor.diagnostics(uri) == []


async def test_setup_cfg_gets_no_noqa_action(editor: Editor) -> None:
    on_disk(editor.root, {"app/db.py": APP})
    text = "[options]\ninstall_requires =\n    sqlalchemy>=2.0\n    asyncpg\n"
    uri = editor.open("setup.cfg", text, language="ini")
    [diagnostic] = await editor.diagnostics(uri)
    actions = await editor.code_actions(uri, [diagnostic], only=[types.CodeActionKind.QuickFix])
    assert [action.title for action in actions] == [DEPEND]
    assert await editor.apply(uri, actions[0]) == text.replace("sqlalchemy>=2.0", "sqlalchemy[asyncio]>=2.0")


async def test_other_text_documents_are_not_checked(editor: Editor) -> None:
    on_disk(editor.root, {"app/db.py": APP})
    uri = editor.open("notes.txt", "sqlalchemy>=2.1\n", language="plaintext")
    if editor.pulls:
        assert await editor.diagnostics(uri) == []
    else:
        await editor.barrier()
        await editor.quiet(0.3)
        assert editor.publications(uri) == []


# -- with the workspace folder indexed ---------------------------------------------------------------------------------
async def start(client: GreenlintTestClient, root: Path) -> Editor:
    capabilities = copy.deepcopy(client_capabilities(client.profile))
    return await Editor.start(client, root, options=FAST, capabilities=capabilities)


async def test_changing_a_python_document_checks_the_manifest_again(
    client: GreenlintTestClient, tmp_path: Path
) -> None:
    on_disk(tmp_path, {"app/__init__.py": "", "app/db.py": APP, "pyproject.toml": PYPROJECT})
    editor = await start(client, tmp_path)
    manifest = editor.open("pyproject.toml", PYPROJECT, language="toml")
    assert codes(await editor.diagnostics(manifest)) == ["GL301"]
    module = editor.open("app/db.py", APP)
    assert await editor.diagnostics(module) == []
    editor.change(module, SYNC_APP)  # the project no longer imports the asyncio extension
    await editor.settled(manifest, lambda found: found == [])
    editor.change(module, APP.replace("postgresql+asyncpg", "sqlite+aiosqlite"))
    diagnostics = await editor.settled(manifest, lambda found: len(found) == 2)
    assert sorted(d.message.split(":")[0] for d in diagnostics) == [
        "`sqlalchemy>=2.1` can install SQLAlchemy 2.1, which comes without greenlet unless the `asyncio` extra is "
        "asked for",
        "app/db.py creates an engine on `sqlite+aiosqlite",
    ]


async def test_saving_pyproject_checks_the_python_documents_again(client: GreenlintTestClient, tmp_path: Path) -> None:
    on_disk(tmp_path, {"app/db.py": APP, "app/save.py": UNAWAITED, "pyproject.toml": PYPROJECT})
    editor = await start(client, tmp_path)
    module = editor.open("app/save.py", UNAWAITED)
    assert codes(await editor.diagnostics(module)) == ["GL002"]
    manifest = editor.open("pyproject.toml", PYPROJECT, language="toml")
    assert codes(await editor.diagnostics(manifest)) == ["GL301"]
    configured = PYPROJECT_FIXED + '\n[tool.greenlint]\nignore = ["GL002"]\n'
    editor.change(manifest, configured)
    (tmp_path / "pyproject.toml").write_text(configured, encoding="utf-8")
    editor.save(manifest)
    await editor.settled(module, lambda found: found == [])
    assert await editor.diagnostics(manifest) == []


async def test_an_included_file_changing_on_disk_checks_the_manifest_again(
    client: GreenlintTestClient, tmp_path: Path
) -> None:
    text = "-r base.txt\nsqlalchemy>=2.1\n"
    on_disk(tmp_path, {"app/db.py": APP, "requirements.txt": text, "base.txt": "greenlet\nasyncpg\n"})
    editor = await start(client, tmp_path)
    uri = editor.open("requirements.txt", text, language="pip-requirements")
    assert await editor.diagnostics(uri) == []
    (tmp_path / "base.txt").write_text("asyncpg\n", encoding="utf-8")  # greenlet is gone
    (tmp_path / "requirements-base.txt").write_text("", encoding="utf-8")
    change = types.FileEvent(uri=(tmp_path / "requirements-base.txt").as_uri(), type=types.FileChangeType.Created)
    editor.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[change]))
    await editor.settled(uri, lambda found: codes(found) == ["GL301"])


async def test_opening_a_manifest_outside_the_workspace_reads_its_project(editor: Editor) -> None:
    """The shared server's workspace folder is elsewhere: the manifest's project is walked when it is opened."""
    on_disk(editor.root, {"service/app/db.py": APP})
    uri = editor.open("service/requirements.txt", textwrap.dedent("sqlalchemy\nasyncpg\n"), language="plaintext")
    assert codes(await editor.diagnostics(uri)) == ["GL301"]
