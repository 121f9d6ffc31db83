"""Diagnostics on open, on change, on save, pulled; their content; closing; syntax errors while typing."""

from __future__ import annotations

import pytest
from lsprotocol import types

from lsptools import (
    FAST,
    MIXED,
    PROFILES,
    PULL_PROFILE,
    SEVERITIES,
    UNAWAITED,
    Editor,
    codes,
    expected_diagnostics,
    summary,
)

pytestmark = [
    pytest.mark.asyncio(loop_scope="session"),
    pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning"),
]
PUSH_PROFILES = [profile for profile in PROFILES if profile != PULL_PROFILE]


async def test_open_reports_every_rule_with_its_metadata(editor: Editor) -> None:
    uri = editor.open("app.py", MIXED)
    diagnostics = await editor.diagnostics(uri)
    assert summary(diagnostics) == expected_diagnostics(MIXED, editor.encoding)
    assert codes(diagnostics) == ["GL001", "GL002", "GL003", "GL004", "GL005", "GL006", "GL008"]
    for item in diagnostics:
        assert item.source == "greenlint"
        assert item.severity == SEVERITIES[str(item.code)], item.code
        assert item.code_description is not None
        assert item.code_description.href.endswith(f"docs/rules/{item.code}.md")
        assert item.message
    if not editor.pulls:
        assert [item.version for item in editor.publications(uri)] == [1]


async def test_incremental_changes_update_the_diagnostics(editor: Editor) -> None:
    uri = editor.open("app.py", UNAWAITED)
    assert codes(await editor.diagnostics(uri)) == ["GL002"]

    editor.insert(uri, UNAWAITED.index("db.commit()"), "await ")
    assert await editor.diagnostics(uri) == []

    text = editor.texts[uri] + "    db.flush()\n"
    editor.change(uri, text)
    [diagnostic] = await editor.diagnostics(uri)
    assert diagnostic.code == "GL002"
    assert diagnostic.range == types.Range(types.Position(5, 4), types.Position(5, 14))
    if not editor.pulls:
        assert [item.version for item in editor.publications(uri)] == [1, 2, 3]
        assert editor.versions[uri] == 3


@pytest.mark.server_options({})
async def test_default_debounce_still_publishes(editor: Editor) -> None:
    uri = editor.open("app.py", UNAWAITED)
    assert codes(await editor.diagnostics(uri)) == ["GL002"]
    for _ in range(3):
        editor.insert(uri, len(editor.texts[uri]), "    db.flush()\n")
    assert codes(await editor.diagnostics(uri)) == ["GL002"] * 4
    if not editor.pulls:
        # the three quick edits are debounced into one analysis, of the last version
        assert [item.version for item in editor.publications(uri)] == [1, 4]


@pytest.mark.parametrize("editor", PUSH_PROFILES, indirect=True)
@pytest.mark.server_options({**FAST, "run": "onSave"})
async def test_run_on_save_waits_for_did_save(editor: Editor) -> None:
    uri = editor.open("app.py", UNAWAITED)
    assert codes(await editor.diagnostics(uri)) == ["GL002"]
    editor.insert(uri, UNAWAITED.index("db.commit()"), "await ")
    await editor.quiet()
    assert [item.version for item in editor.publications(uri)] == [1]
    editor.save(uri)
    published = await editor.published(uri, 2)
    assert published.diagnostics == []


@pytest.mark.parametrize("editor", PUSH_PROFILES, indirect=True)
async def test_did_close_clears_the_diagnostics(editor: Editor) -> None:
    uri = editor.open("app.py", UNAWAITED)
    assert codes(await editor.diagnostics(uri)) == ["GL002"]
    editor.close(uri)
    cleared = await editor.until(
        lambda: [item for item in editor.publications(uri)[1:] if item.diagnostics == []], "the clearing publication"
    )
    assert len(cleared) == 1
    await editor.quiet()
    assert list(editor.client.diagnostics[uri]) == []
    assert len(editor.publications(uri)) == 2


@pytest.mark.parametrize("editor", [PULL_PROFILE], indirect=True)
async def test_pull_diagnostics_report_unchanged_results(editor: Editor) -> None:
    uri = editor.open("app.py", UNAWAITED)
    first = await editor.pull(uri)
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport)
    assert first.result_id
    assert codes(first.items) == ["GL002"]

    again = await editor.pull(uri, previous_result_id=first.result_id)
    assert isinstance(again, types.RelatedUnchangedDocumentDiagnosticReport)
    assert again.result_id == first.result_id

    outdated = await editor.pull(uri, previous_result_id="not-a-result-id")
    assert isinstance(outdated, types.RelatedFullDocumentDiagnosticReport)
    assert outdated.items == first.items

    editor.insert(uri, UNAWAITED.index("db.commit()"), "await ")
    fixed = await editor.pull(uri, previous_result_id=first.result_id)
    assert isinstance(fixed, types.RelatedFullDocumentDiagnosticReport)
    assert list(fixed.items) == []
    assert fixed.result_id != first.result_id
    assert editor.client.published == []


@pytest.mark.parametrize("editor", [PULL_PROFILE], indirect=True)
async def test_pull_after_an_edit_is_a_full_report_with_current_data(editor: Editor) -> None:
    """Diagnostics carry the version their code actions need, so an edit always gives a full report."""
    uri = editor.open("app.py", UNAWAITED)
    first = await editor.pull(uri)
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport)
    editor.insert(uri, len(UNAWAITED), "# a comment below the finding\n")
    again = await editor.pull(uri, previous_result_id=first.result_id)
    assert isinstance(again, types.RelatedFullDocumentDiagnosticReport)
    assert again.result_id != first.result_id
    actions = await editor.code_actions(uri, list(again.items))
    assert "greenlint (GL002): Add await" in [action.title for action in actions]


async def test_syntax_error_while_typing(editor: Editor) -> None:
    uri = editor.open("app.py", UNAWAITED)
    [before] = await editor.diagnostics(uri)

    # typing a new function below: the text stops parsing for a while
    stem = UNAWAITED + "\n\nasync def broken(db: AsyncSession"
    editor.change(uri, stem)
    during = await editor.diagnostics(uri)
    assert during in ([], [before]), "at most the previous diagnostics on lines that did not change"
    editor.change(uri, stem + ") -> None:\n    db.rollback(")
    during = await editor.diagnostics(uri)
    assert during in ([], [before])
    errors = [m for m in editor.client.log_messages if m.type == types.MessageType.Error and uri in m.message]
    assert errors == []

    editor.change(uri, stem + ") -> None:\n    db.rollback()\n")
    recovered = await editor.diagnostics(uri)
    assert summary(recovered) == expected_diagnostics(editor.texts[uri], editor.encoding)
    assert codes(recovered) == ["GL002", "GL002"]


async def test_syntax_error_drops_diagnostics_of_changed_lines(editor: Editor) -> None:
    uri = editor.open("app.py", UNAWAITED)
    assert codes(await editor.diagnostics(uri)) == ["GL002"]
    editor.change(uri, UNAWAITED.replace("db.commit()", "db.commit("))
    assert await editor.diagnostics(uri) == []
    editor.change(uri, UNAWAITED)
    assert codes(await editor.diagnostics(uri)) == ["GL002"]


async def test_many_documents_are_independent(editor: Editor) -> None:
    uris = [editor.open(f"module_{index}.py", UNAWAITED if index % 2 else MIXED) for index in range(6)]
    for index, uri in enumerate(uris):
        expected = expected_diagnostics(UNAWAITED if index % 2 else MIXED, editor.encoding)
        assert summary(await editor.diagnostics(uri)) == expected


@pytest.mark.parametrize("editor", ["visual_studio_code", PULL_PROFILE], indirect=True)
@pytest.mark.parametrize("name", ["my project/app.py", "日本語.py"], ids=["space", "non-ascii"])
async def test_uri_with_percent_escapes(editor: Editor, name: str) -> None:
    (editor.root / name).parent.mkdir(exist_ok=True)
    uri = editor.open(name, UNAWAITED)
    assert "%" in uri
    assert codes(await editor.diagnostics(uri, timeout=1)) == ["GL002"]
