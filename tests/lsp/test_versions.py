"""Document versions under fast typing: never a stale publication, and the last one matches a fresh analysis."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types

from greenlint.core.analysis import analyze
from greenlint.rules.registry import ALL_RULES
from lsptools import (
    PROFILES,
    PULL_PROFILE,
    UNAWAITED,
    Editor,
    big_module,
    codes,
    expected_diagnostics,
    summary,
)

pytestmark = [
    pytest.mark.asyncio(loop_scope="session"),
    pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning"),
]
PUSH_PROFILES = [profile for profile in PROFILES if profile != PULL_PROFILE]

TYPED = "    db.flush()\n    x = db.get(1)\n    db.close()\n  "  # 50 characters, typed one by one
assert len(TYPED) == 50


def parses(text: str) -> bool:
    return analyze(text, ALL_RULES).syntax_error is None


@pytest.mark.server_options({})  # the default debounce
async def test_fifty_rapid_edits(editor: Editor) -> None:
    text = UNAWAITED.replace("    db.commit()\n", "    db.commit()\n\n", 1)
    uri = editor.open("typing.py", text)
    await editor.diagnostics(uri)
    texts = {1: text}
    offset = text.index("\n\n", text.index("db.commit()")) + 1
    for index, char in enumerate(TYPED):
        editor.insert(uri, offset + index, char)
        texts[editor.versions[uri]] = editor.texts[uri]
        # mostly faster than the debounce; now and then a pause long enough for an analysis to be published
        await asyncio.sleep(0.2 if index % 12 == 11 else 0.005)
    final = editor.texts[uri]
    assert editor.versions[uri] == 51
    diagnostics = await editor.diagnostics(uri)
    assert summary(diagnostics) == expected_diagnostics(final, editor.encoding)
    assert codes(diagnostics) == ["GL002", "GL002", "GL002", "GL002"]
    if editor.pulls:
        return

    await editor.quiet(0.3)
    published = editor.publications(uri)
    versions = [item.version for item in published]
    assert None not in versions
    assert versions == sorted(versions), f"versions went backwards: {versions}"
    assert versions[-1] == 51
    assert 2 < len(versions) < 20, f"the debounce should have merged most edits: {versions}"
    previous: list[tuple[str, types.Range]] = []
    for item in published:
        assert item.version is not None
        shown = summary(item.diagnostics)
        version_text = texts[item.version]
        if parses(version_text):
            assert shown == expected_diagnostics(version_text, editor.encoding), f"version {item.version}"
            previous = shown
        else:
            assert set(shown) <= set(previous), f"version {item.version} shows more than the last good one"


@pytest.mark.parametrize("editor", [PULL_PROFILE], indirect=True)
async def test_pull_overtaken_by_a_change(editor: Editor) -> None:
    text = big_module()
    uri = editor.open("big.py", text)
    request = asyncio.ensure_future(editor.pull(uri))
    await editor.barrier()  # the pull's analysis (~0.35 s) is under way
    editor.insert(uri, len(text), "# more\n")
    report = await request
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert len(report.items) == 1000


@pytest.mark.parametrize("editor", PUSH_PROFILES, indirect=True)
async def test_reopen_at_the_same_version(editor: Editor) -> None:
    uri = editor.open("reopened.py", big_module())
    await editor.barrier()  # the analysis of the first text (~0.35 s) is under way
    editor.close(uri)
    editor.open("reopened.py", UNAWAITED)  # version 1 again, as editors number a newly opened buffer

    def after_reopening() -> list[int | None]:
        published = editor.publications(uri)
        cleared = [index for index, item in enumerate(published) if item.version is None]
        return [item.version for item in published[cleared[0] + 1 :]] if cleared else []

    await editor.until(after_reopening, "a publication for the reopened text")
    await editor.quiet(0.3)
    assert after_reopening() == [1]
    latest = editor.publications(uri)[-1]
    assert summary(latest.diagnostics) == expected_diagnostics(UNAWAITED, editor.encoding)
