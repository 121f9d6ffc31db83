"""Quick fixes, "Disable for this line" and `source.fixAll.greenlint`, applied the way an editor applies them."""

from __future__ import annotations

import pytest
from lsprotocol import types

from greenlint.core.analysis import analyze
from greenlint.core.autofix import fix_text
from greenlint.core.finding import Applicability
from greenlint.rules.registry import ALL_RULES
from lsptools import (
    FAST,
    MIXED,
    SYNC_ENGINE_ASYNC_DRIVER,
    UNAWAITED,
    Editor,
    by_code,
    codes,
    expected_diagnostics,
    summary,
)

pytestmark = [
    pytest.mark.asyncio(loop_scope="session"),
    pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning"),
]
ADD_AWAIT = "greenlint (GL002): Add await"
DISABLE_GL002 = "Disable GL002 for this line"

AWAIT_IN_DEF = """\
from sqlalchemy.ext.asyncio import AsyncSession


def load(db: AsyncSession, query):
    rows = await db.execute(query)
    return rows.all()
"""

QUERY = """\
from sqlalchemy.ext.asyncio import AsyncSession

from .models import User


async def active_users(db: AsyncSession):
    return db.query(User).filter(User.active).order_by(User.name).all()
"""


def declares_is_preferred(editor: Editor) -> bool:
    document = editor.capabilities.text_document
    action = document.code_action if document is not None else None
    return bool(action is not None and action.is_preferred_support)


async def test_add_await(editor: Editor) -> None:
    uri = editor.open("app.py", UNAWAITED)
    [diagnostic] = await editor.diagnostics(uri)
    everything = await editor.code_actions(uri, [diagnostic])
    assert "greenlint: Fix all safe fixes" in [action.title for action in everything]
    actions = [action for action in everything if action.kind == types.CodeActionKind.QuickFix]
    assert [action.title for action in actions] == [ADD_AWAIT, DISABLE_GL002]
    fix = actions[0]
    assert fix.kind == types.CodeActionKind.QuickFix
    assert list(fix.diagnostics or []) == [diagnostic]
    if declares_is_preferred(editor):
        assert fix.is_preferred is True
        assert not actions[1].is_preferred

    text = await editor.apply(uri, fix)
    assert text == UNAWAITED.replace("db.commit()", "await db.commit()")
    assert await editor.diagnostics(uri) == []


async def test_make_function_async(editor: Editor) -> None:
    uri = editor.open("app.py", AWAIT_IN_DEF)
    diagnostic = by_code(await editor.diagnostics(uri), "GL005")
    fix = await editor.action(uri, "greenlint (GL005): Make `load` async", [diagnostic])
    text = await editor.apply(uri, fix)
    assert text == AWAIT_IN_DEF.replace("def load", "async def load")
    assert await editor.diagnostics(uri) == []


async def test_rewrite_query_with_select(editor: Editor) -> None:
    uri = editor.open("app.py", QUERY)
    diagnostic = by_code(await editor.diagnostics(uri), "GL004")
    fix = await editor.action(uri, "greenlint (GL004): Rewrite with `select()`", [diagnostic])
    text = await editor.apply(uri, fix)
    assert text == (
        QUERY.replace(
            "db.query(User).filter(User.active).order_by(User.name).all()",
            "(await db.execute(select(User).where(User.active).order_by(User.name))).scalars().all()",
        ).replace("from .models import User\n", "from .models import User\nfrom sqlalchemy import select\n")
    )
    assert await editor.diagnostics(uri) == []


async def test_unsafe_fix_is_offered_but_not_preferred(editor: Editor) -> None:
    uri = editor.open("app.py", SYNC_ENGINE_ASYNC_DRIVER)
    [diagnostic] = await editor.diagnostics(uri)
    fix = await editor.action(uri, "greenlint (GL007): Use the sync driver `postgresql+psycopg://`", [diagnostic])
    assert not fix.is_preferred
    text = await editor.apply(uri, fix)
    assert "postgresql+psycopg://app@localhost/app" in text
    assert await editor.diagnostics(uri) == []


@pytest.mark.parametrize(
    ("line", "disabled"),
    [
        ("    db.commit()\n", "    db.commit()  # noqa: GL002\n"),
        ("    db.commit()  # noqa: E501\n", "    db.commit()  # noqa: E501, GL002\n"),
        ("    db.commit()   \n", "    db.commit()  # noqa: GL002\n"),
    ],
    ids=["new-comment", "existing-noqa", "trailing-spaces"],
)
async def test_disable_for_this_line(editor: Editor, line: str, disabled: str) -> None:
    code = UNAWAITED.replace("    db.commit()\n", line) + "    db.flush()\n"
    uri = editor.open("app.py", code)
    diagnostics = await editor.diagnostics(uri)
    assert codes(diagnostics) == ["GL002", "GL002"]
    first = min(diagnostics, key=lambda item: item.range.start.line)
    action = await editor.action(uri, DISABLE_GL002, [first])
    assert action.kind == types.CodeActionKind.QuickFix
    text = await editor.apply(uri, action)
    assert text == code.replace(line, disabled)
    [remaining] = await editor.diagnostics(uri)
    assert remaining.range.start.line == first.range.start.line + 1


async def test_fix_all(editor: Editor) -> None:
    uri = editor.open("app.py", MIXED)
    diagnostics = await editor.diagnostics(uri)
    whole = types.Range(types.Position(0, 0), types.Position(len(MIXED.splitlines()), 0))

    [action] = await editor.code_actions(uri, diagnostics, only=[types.CodeActionKind.SourceFixAll], range_=whole)
    assert action.kind == "source.fixAll.greenlint"
    quick = await editor.code_actions(uri, diagnostics, only=[types.CodeActionKind.QuickFix], range_=whole)
    assert quick and all(item.kind == types.CodeActionKind.QuickFix for item in quick)
    assert await editor.code_actions(uri, diagnostics, only=[types.CodeActionKind.Refactor], range_=whole) == []
    source = await editor.code_actions(uri, diagnostics, only=[types.CodeActionKind.Source], range_=whole)
    assert [item.kind for item in source] == ["source.fixAll.greenlint"]

    text = await editor.apply(uri, action)
    assert text == fix_text(MIXED, ALL_RULES, unsafe=False).text
    remaining = analyze(text, ALL_RULES).findings
    assert [f.code for f in remaining if f.fix is not None and f.fix.applicability is Applicability.SAFE] == []
    after = await editor.diagnostics(uri)
    assert codes(after) == ["GL001", "GL008"]  # their fixes are unsafe: not applied
    assert 'sync_engine = create_engine("postgresql+psycopg://' in text
    assert "async def report():" in text
    assert summary(after) == expected_diagnostics(text, editor.encoding)

    # nothing safe is left to fix: no fix-all action any more
    assert await editor.code_actions(uri, after, only=[types.CodeActionKind.SourceFixAll], range_=whole) == []


@pytest.mark.server_options({**FAST, "fixAll": False, "codeAction": {"disableRuleComment": {"enable": False}}})
async def test_fix_all_can_be_turned_off(editor: Editor) -> None:
    uri = editor.open("app.py", UNAWAITED)
    diagnostics = await editor.diagnostics(uri)
    assert [action.title for action in await editor.code_actions(uri, diagnostics)] == [ADD_AWAIT]
    assert await editor.code_actions(uri, diagnostics, only=[types.CodeActionKind.SourceFixAll]) == []


async def test_no_action_for_diagnostics_of_an_older_version(editor: Editor) -> None:
    uri = editor.open("app.py", UNAWAITED)
    [old] = await editor.diagnostics(uri)
    editor.insert(uri, 0, "import os\n")
    await editor.diagnostics(uri)
    for action in await editor.code_actions(uri, [old]):
        # whatever is offered must edit the current text correctly
        text = await editor.apply(uri, action)
        assert "await db.commit()" in text or "# noqa: GL002" in text


@pytest.mark.parametrize("editor", ["visual_studio_code", "neovim@v0.10.0"], indirect=True)
async def test_resolving_after_a_change_gives_no_edit(editor: Editor) -> None:
    assert editor.resolves_edits
    uri = editor.open("app.py", UNAWAITED)
    [diagnostic] = await editor.diagnostics(uri)
    action = await editor.action(uri, ADD_AWAIT, [diagnostic])
    editor.insert(uri, 0, "import os\n")
    await editor.diagnostics(uri)
    resolved = await editor.client.code_action_resolve_async(action)
    assert resolved.edit is None


def without_data(diagnostic: types.Diagnostic) -> types.Diagnostic:
    return types.Diagnostic(
        range=diagnostic.range,
        message=diagnostic.message,
        severity=diagnostic.severity,
        code=diagnostic.code,
        code_description=diagnostic.code_description,
        source=diagnostic.source,
    )


@pytest.mark.parametrize("editor", ["neovim@v0.7.0", "emacs"], indirect=True)
async def test_quick_fix_without_diagnostic_data(editor: Editor) -> None:
    document = editor.capabilities.text_document
    assert document is not None and document.publish_diagnostics is not None
    assert not document.publish_diagnostics.data_support
    uri = editor.open("app.py", UNAWAITED)
    [diagnostic] = await editor.diagnostics(uri)
    actions = await editor.code_actions(uri, [without_data(diagnostic)])
    assert ADD_AWAIT in [action.title for action in actions]
