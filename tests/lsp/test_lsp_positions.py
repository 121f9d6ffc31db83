"""Positions in the negotiated encoding (UTF-16 by default, UTF-8, UTF-32), non-ASCII text and CRLF line ends."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from greenlint.core.autofix import fix_text
from greenlint.rules.registry import ALL_RULES
from lsptools import (
    FAST,
    UNAWAITED,
    UTF8,
    UTF16,
    UTF32,
    Editor,
    GreenlintTestClient,
    capabilities_with_encodings,
    codes,
    expected_diagnostics,
    summary,
)

pytestmark = [
    pytest.mark.asyncio(loop_scope="session"),
    pytest.mark.filterwarnings("error::pytest_lsp.LspSpecificationWarning"),
]

# Japanese identifiers, strings and comments, and emoji outside the BMP (a surrogate pair in UTF-16; 👍🏽 is two
# of them) BEFORE each finding on its line.
NON_ASCII = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def 保存(db: AsyncSession) -> None:
    ユーザー = "😀👍🏽"; db.commit()  # コミット 🎉
    # 絵文字 🎉 の後: 👇
    名前 = "🐍"; db.flush()
"""
PREFIX = '    ユーザー = "😀👍🏽"; '
# where `db.commit()` starts on line 5, in each encoding's code units
COMMIT_COLUMN = {UTF8: 35, UTF16: 21, UTF32: 18}
assert {UTF8: len(PREFIX.encode()), UTF16: len(PREFIX.encode("utf-16-le")) // 2, UTF32: len(PREFIX)} == COMMIT_COLUMN


async def check_non_ascii(editor: Editor) -> None:
    uri = editor.open("nihongo.py", NON_ASCII)
    diagnostics = await editor.diagnostics(uri)
    first = min(diagnostics, key=lambda item: item.range.start.line)
    width = len("db.commit()")
    assert first.range == types.Range(
        types.Position(4, COMMIT_COLUMN[editor.encoding]), types.Position(4, COMMIT_COLUMN[editor.encoding] + width)
    )
    assert summary(diagnostics) == expected_diagnostics(NON_ASCII, editor.encoding)

    # an edit after the emoji, then the quick fix: both in the negotiated encoding
    editor.insert(uri, NON_ASCII.index("🎉\n") + 1, " ✅")
    diagnostics = await editor.diagnostics(uri)
    assert summary(diagnostics) == expected_diagnostics(editor.texts[uri], editor.encoding)
    first = min(diagnostics, key=lambda item: item.range.start.line)
    fix = await editor.action(uri, "greenlint (GL002): Add await", [first])
    text = await editor.apply(uri, fix)
    assert text == NON_ASCII.replace("db.commit()", "await db.commit()").replace("🎉\n", "🎉 ✅\n", 1)
    [remaining] = await editor.diagnostics(uri)
    assert summary([remaining]) == expected_diagnostics(text, editor.encoding)


async def test_non_ascii_in_the_default_encoding(editor: Editor) -> None:
    # UTF-16 unless the client offers others: Emacs offers UTF-32 first
    assert editor.encoding == (UTF32 if editor.client.profile == "emacs" else UTF16)
    await check_non_ascii(editor)


async def test_non_ascii_in_utf8(client: GreenlintTestClient, tmp_path: Path) -> None:
    capabilities = capabilities_with_encodings(client.profile, [UTF8])
    editor = await Editor.start(client, tmp_path, options=FAST, capabilities=capabilities)
    assert editor.encoding == UTF8
    await check_non_ascii(editor)


@pytest.mark.parametrize("client", ["emacs"], indirect=True)
async def test_non_ascii_in_utf16_when_offered_first(client: GreenlintTestClient, tmp_path: Path) -> None:
    capabilities = capabilities_with_encodings(client.profile, [UTF16, UTF8])
    editor = await Editor.start(client, tmp_path, options=FAST, capabilities=capabilities)
    assert editor.encoding == UTF16
    await check_non_ascii(editor)


CRLF = UNAWAITED.replace("\n", "\r\n") + "    db.flush()  # noqa: E501\r\n"


async def test_crlf_document(editor: Editor) -> None:
    uri = editor.open("windows.py", CRLF)
    diagnostics = await editor.diagnostics(uri)
    assert summary(diagnostics) == expected_diagnostics(CRLF, editor.encoding)
    assert [item.range.start.line for item in diagnostics] == [4, 5]

    commit, flush = sorted(diagnostics, key=lambda item: item.range.start.line)
    text = await editor.apply(uri, await editor.action(uri, "Disable GL002 for this line", [flush]))
    assert text == CRLF.replace("# noqa: E501\r\n", "# noqa: E501, GL002\r\n")
    [commit] = await editor.diagnostics(uri)
    text = await editor.apply(uri, await editor.action(uri, "greenlint (GL002): Add await", [commit]))
    assert text == CRLF.replace("db.commit()", "await db.commit()").replace("E501\r\n", "E501, GL002\r\n")
    assert await editor.diagnostics(uri) == []

    editor.insert(uri, len(text), "    db.rollback()\r\n")
    [rollback] = await editor.diagnostics(uri)
    assert rollback.range == types.Range(types.Position(6, 4), types.Position(6, 17))


async def test_crlf_fix_all_keeps_line_ends(editor: Editor) -> None:
    uri = editor.open("windows.py", CRLF)
    diagnostics = await editor.diagnostics(uri)
    [action] = await editor.code_actions(uri, diagnostics, only=[types.CodeActionKind.SourceFixAll])
    text = await editor.apply(uri, action)
    assert text == fix_text(CRLF, ALL_RULES).text
    assert "\n" not in text.replace("\r\n", "")
    assert await editor.diagnostics(uri) == []


@pytest.mark.parametrize("separator", ["\x0c", "\u2028"], ids=["form-feed", "line-separator"])
async def test_incremental_change_below_a_form_feed(editor: Editor, separator: str) -> None:
    text = UNAWAITED.replace("\n\n\n", f"\n# section {separator}\n\n", 1)
    uri = editor.open("paged.py", text)
    assert codes(await editor.diagnostics(uri)) == ["GL002"]
    editor.insert(uri, text.index("db.commit()"), "await ")
    assert await editor.diagnostics(uri) == []
