"""Hostile and broken input in the language server: each case gets a clear window/logMessage, at most one
information diagnostic (none for a syntax error: editors show those themselves), and every other document and
file is still checked. The server never dies: the shared servers' clean exit is checked when the session ends.

(Named apart from tests/cli/test_hostile_input.py: test modules of this suite need unique basenames.)
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from greenlint.core.checker import MAX_FILE_BYTES, TOO_LARGE
from greenlint.core.parsing import MAX_DEPTH
from lsptools import (
    FAST,
    PULL_PROFILE,
    UNAWAITED,
    Editor,
    GreenlintTestClient,
    codes,
    own_server,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

NEEDLE = "from sqlalchemy.ext.asyncio import AsyncSession\n"  # texts without it are not even parsed
TAIL = "\n\nasync def tail(db: AsyncSession) -> None:\n    db.commit()\n"  # a GL002 on the last line
TOO_DEEP = f"nested too deeply to check (more than {MAX_DEPTH} levels)"
ONE_PUSH_ONE_PULL = ["visual_studio_code", PULL_PROFILE]
LAUNCHER = Path(__file__).with_name("failing_rule_server.py")

# A syntax error in every statement position (`@@`: `x = = 1` there, `pass` or `1` in the others).
TEMPLATE = """\
import asyncio
@@
from sqlalchemy.ext.asyncio import AsyncSession


@decorator(@@)
class Repository(Base):
    @@

    async def save(self, db: AsyncSession) -> None:
        @@
        if db:
            @@
        elif self:
            @@
        else:
            @@
        for item in self.items:
            @@
        while False:
            @@
        try:
            @@
        except ValueError as error:
            @@
        finally:
            @@
        async with db.begin():
            @@
        match db:
            case AsyncSession():
                @@
        result = [@@ for item in items]
        callback = lambda: @@
        text = f"{@@}"


def last():
    return @@"""


def broken_in_position(index: int | None) -> tuple[str, int]:
    pieces = TEMPLATE.split("@@")
    text, line = pieces[0], 0
    for position, piece in enumerate(pieces[1:]):
        expression = text.rstrip(" ").endswith(("(", "[", "{", ":", "return", "lambda:"))
        if position == index:
            line = text.count("\n") + 1
            text += "= =" if expression else "x = = 1"
        else:
            text += "1" if expression else "pass"
        text += piece
    return text, line


def logs(client: LanguageClient, uri: str, level: types.MessageType | None = None) -> list[str]:
    return [m.message for m in client.log_messages if uri in m.message and (level is None or m.type == level)]


def information(diagnostics: list[types.Diagnostic]) -> list[types.Diagnostic]:
    """The diagnostics that say a document is not checked (no code: not a finding)."""
    return [item for item in diagnostics if item.code is None]


async def test_syntax_error_in_every_statement_position(editor: Editor) -> None:
    good = editor.open("app/good.py", UNAWAITED)
    broken = {}
    for index in range(TEMPLATE.count("@@")):
        text, line = broken_in_position(index)
        broken[editor.open(f"app/broken_{index:02d}.py", text)] = line
    assert codes(await editor.diagnostics(good)) == ["GL002"]
    for uri, line in broken.items():
        assert await editor.diagnostics(uri) == [], "a syntax error is no finding, and no information diagnostic"
        [message] = await editor.until(lambda uri=uri: logs(editor.client, uri), f"the log message for {uri}")
        assert message.startswith(f"greenlint: {uri}:{line}:"), message
        assert " not checked: syntax error: " in message, message  # Python's message: "invalid syntax", ...
    assert [
        m for m in editor.client.log_messages if m.type == types.MessageType.Error and "app/broken_" in m.message
    ] == []


async def test_a_document_that_stops_parsing_is_logged_once(editor: Editor) -> None:
    uri = editor.open("app/typing.py", UNAWAITED)
    assert codes(await editor.diagnostics(uri)) == ["GL002"]
    for text in ["async def f(", "async def f(db", "async def f(db: AsyncSession"]:  # typing, key by key
        editor.change(uri, UNAWAITED + "\n\n" + text)
        await editor.diagnostics(uri)
    assert len(logs(editor.client, uri)) == 1, "one message while it does not parse, not one per keystroke"
    editor.change(uri, UNAWAITED + "\n\nasync def f(db: AsyncSession):\n    db.rollback()\n")
    assert codes(await editor.diagnostics(uri)) == ["GL002", "GL002"]
    editor.change(uri, UNAWAITED + "\n\nasync def f(")
    await editor.diagnostics(uri)
    assert len(logs(editor.client, uri)) == 2, "broken again after parsing: said again"


@pytest.mark.parametrize("editor", ONE_PUSH_ONE_PULL, indirect=True)
@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("\x00" + NEEDLE, 1),
        (NEEDLE + "x = 1\x00 + 2\n", 2),
        (NEEDLE + "x = 'a\x00b'\n", 2),
        (NEEDLE + "# a comment with a \x00\n", 2),
    ],
    ids=["at-start", "in-code", "in-string", "in-comment"],
)
async def test_null_bytes(editor: Editor, text: str, line: int) -> None:
    good = editor.open("app/good.py", UNAWAITED)
    uri = editor.open("app/nul.py", text + TAIL)
    assert await editor.diagnostics(uri) == []
    [message] = await editor.until(lambda: logs(editor.client, uri), "the log message")
    assert message.startswith(f"greenlint: {uri}:{line}:")
    assert message.endswith("not checked: syntax error: source code cannot contain null bytes")
    assert codes(await editor.diagnostics(good)) == ["GL002"]


DEEP = {
    "not_chain": NEEDLE + "x = " + "not " * 100_000 + "y\n" + TAIL,
    "and_chain": NEEDLE + "x = " + " and ".join(["a"] * 100_000) + "\n" + TAIL,
    "call_chain": NEEDLE + "x = f" + "()" * 5_000 + "\n" + TAIL,
    "elif_chain": NEEDLE + "if a:\n    pass\n" + "elif a:\n    pass\n" * 1_000 + TAIL,
    "new_syntax": NEEDLE + "type Alias = int\nx = " + " and ".join(["a"] * 100_000) + "\n" + TAIL,
}


@pytest.mark.parametrize("editor", ONE_PUSH_ONE_PULL, indirect=True)
async def test_deep_nesting_gives_one_information_diagnostic(editor: Editor) -> None:
    good = editor.open("app/good.py", UNAWAITED)
    for name, text in DEEP.items():
        uri = editor.open(f"app/{name}.py", text)
        diagnostics = await editor.diagnostics(uri)
        [item] = diagnostics
        assert item.severity == types.DiagnosticSeverity.Information
        assert item.code is None and item.source == "greenlint"
        assert item.message.startswith("greenlint: not checked: nested too deeply to check (more than "), item.message
        [message] = await editor.until(lambda uri=uri: logs(editor.client, uri), f"the log message for {name}")
        assert "not checked: nested too deeply to check" in message
        assert [m.type for m in editor.client.log_messages if m.message == message] == [types.MessageType.Warning]
        assert await editor.code_actions(uri, diagnostics) == []  # nothing to fix or silence
    assert TOO_DEEP in logs(editor.client, editor.uri("app/not_chain.py"))[0]
    # the server is alive and well: other documents are checked, a deep one that is made shallow is checked
    assert codes(await editor.diagnostics(good)) == ["GL002"]
    uri = editor.uri("app/call_chain.py")
    editor.change(uri, NEEDLE + "x = f()()\n" + TAIL)
    assert codes(await editor.diagnostics(uri)) == ["GL002"]


@pytest.mark.parametrize("editor", ONE_PUSH_ONE_PULL, indirect=True)
async def test_ten_megabytes_and_fifty_thousand_lines(editor: Editor) -> None:
    line = "    " + "x" * 95 + "\n"
    ten_mb = NEEDLE + '"""A generated module.\n' + line * (10 * 1024 * 1024 // len(line)) + '"""\n' + TAIL
    block = "".join(f"# generated line {i}\n" if i % 10 else f"VALUE_{i} = {i}\n" for i in range(50))
    fifty_k = NEEDLE + block * 1_000 + TAIL
    good = editor.open("app/good.py", UNAWAITED)
    for name, text in {"ten_mb": ten_mb, "fifty_k": fifty_k}.items():
        uri = editor.open(f"app/{name}.py", text)
        [item] = await editor.diagnostics(uri, timeout=30)
        assert (item.code, item.range.start.line) == ("GL002", text.count("\n") - 1), name
        editor.insert(uri, len(NEEDLE), "# an edit\n")  # and again, after an edit
        [item] = await editor.diagnostics(uri, timeout=30)
        assert (item.code, item.range.start.line) == ("GL002", text.count("\n")), name
        editor.close(uri)
    assert codes(await editor.diagnostics(good)) == ["GL002"]


@pytest.mark.parametrize("editor", ["visual_studio_code"], indirect=True)
async def test_a_document_over_the_size_limit_is_not_checked(editor: Editor) -> None:
    """What the CLI skips on disk (more than 20 MB) is not checked when open either: one information diagnostic,
    one warning; a document cut back under the limit is checked again."""
    line = "    " + "é" * 48 + "\n"  # 101 bytes, 53 characters: under the limit in characters, not in bytes
    huge = NEEDLE + '"""A generated module.\n' + line * (MAX_FILE_BYTES // 100) + '"""\n' + TAIL
    assert len(huge) < MAX_FILE_BYTES < len(huge.encode())
    uri = editor.open("app/huge.py", huge)
    [item] = await editor.diagnostics(uri, timeout=60)
    assert (item.severity, item.code, item.message) == (
        types.DiagnosticSeverity.Information,
        None,
        f"greenlint: not checked: {TOO_LARGE}",
    )
    [message] = await editor.until(lambda: logs(editor.client, uri), "the log message")
    assert message.endswith(f"not checked: {TOO_LARGE}")
    assert [m.type for m in editor.client.log_messages if m.message == message] == [types.MessageType.Warning]
    editor.change(uri, NEEDLE + TAIL)
    assert codes(await editor.diagnostics(uri, timeout=60)) == ["GL002"]


# -- the workspace: broken files on disk, a broken pyproject.toml -------------------------------------------------
def hostile_workspace(root: Path) -> None:
    files: dict[str, bytes] = {
        "app/__init__.py": b"",
        "app/models.py": (NEEDLE + "SESSION_CLASS = AsyncSession\n").encode(),
        "app/nul.py": (NEEDLE + "x = 1\x00\n").encode(),
        "app/latin1.py": (NEEDLE + "name = 'caf\xe9'\n").encode("latin-1"),
        "app/rot13.py": b"# coding: rot13\n" + NEEDLE.encode(),
        "app/deep.py": DEEP["and_chain"].encode(),
        "app/broken.py": (NEEDLE + "def broken(:\n").encode(),
        ".gitignore": b"[z-a]\n!\nbuild/\n",
        "sub/pyproject.toml": b"[tool.greenlint]\nselect = " + b"[" * 5_000 + b"]" * 5_000 + b"\n",
        "sub/module.py": UNAWAITED.encode(),
        "huge/pyproject.toml": b'[tool.greenlint]\nexclude = ["[z-a]"]\n',
        "huge/module.py": UNAWAITED.encode(),
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    if os.name == "posix":
        (root / "app" / "self.py").symlink_to("self.py")
        (root / "app" / "ping.py").symlink_to("pong.py")
        (root / "app" / "pong.py").symlink_to("ping.py")
        (root / "app" / "up").symlink_to("..")
        (root / "app" / "loop").symlink_to("loop")


@pytest.mark.parametrize("client", ["visual_studio_code"], indirect=True)
async def test_a_hostile_workspace_is_indexed_and_its_documents_checked(
    client: GreenlintTestClient, tmp_path: Path
) -> None:
    hostile_workspace(tmp_path)
    editor = await Editor.start(client, tmp_path, options=FAST)
    uri = editor.open("app/routes.py", "from app.models import SESSION_CLASS\n" + UNAWAITED)
    assert codes(await editor.diagnostics(uri)) == ["GL002"]
    if os.name == "posix":  # the links that loop are said to be unreadable (at most five indexing messages)
        indexing = await editor.until(
            lambda: [m.message for m in client.log_messages if m.message.startswith("greenlint: indexing: ")],
            "the indexing messages",
        )
        assert any("self.py: cannot read: " + os.strerror(errno.ELOOP) in message for message in indexing), indexing
    # each broken configuration: one error message, and its files are checked with the defaults
    for name in ("sub", "huge"):
        document = editor.open(f"{name}/module.py", UNAWAITED)
        assert codes(await editor.diagnostics(document)) == ["GL002"]
        for _ in range(3):
            editor.insert(document, len(editor.texts[document]), "#")
        assert codes(await editor.diagnostics(document)) == ["GL002"]
    errors = [m.message for m in client.log_messages if m.type == types.MessageType.Error]
    assert len([m for m in errors if "sub/pyproject.toml" in m]) == 1, errors
    assert any("invalid TOML: values nested too deeply" in m for m in errors), errors
    assert len([m for m in errors if "huge/pyproject.toml" in m]) == 1, errors
    assert any("exclude: invalid glob '[z-a]'" in m for m in errors), errors
    # opening the broken files themselves
    for name in ("app/broken.py", "app/deep.py"):
        document = editor.open(name, (tmp_path / name).read_text(encoding="utf-8"))
        assert codes([d for d in await editor.diagnostics(document) if d.code is not None]) == []
    # files that vanish or appear as the watcher says (a file listed, then gone before it is read)
    vanished = tmp_path / "app" / "vanished.py"
    events = [
        types.FileEvent(uri=vanished.as_uri(), type=types.FileChangeType.Created),
        types.FileEvent(uri=(tmp_path / "app" / "models.py").as_uri(), type=types.FileChangeType.Changed),
        types.FileEvent(uri=(tmp_path / "app" / "self.py").as_uri(), type=types.FileChangeType.Changed),
    ]
    (tmp_path / "app" / "models.py").unlink()
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=events))
    editor.insert(uri, 0, "# again\n")
    assert codes(await editor.diagnostics(uri)) == ["GL002"]
    assert [m for m in client.log_messages if "Traceback" in m.message] == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads directories whatever their mode")
@pytest.mark.parametrize("client", ["visual_studio_code"], indirect=True)
async def test_an_unreadable_directory_is_logged(client: GreenlintTestClient, tmp_path: Path) -> None:
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "module.py").write_text(UNAWAITED, encoding="utf-8")
    (tmp_path / "private").chmod(0)
    try:
        editor = await Editor.start(client, tmp_path, options=FAST)
        uri = editor.open("app.py", UNAWAITED)
        assert codes(await editor.diagnostics(uri)) == ["GL002"]
        await editor.until(
            lambda: [m for m in client.log_messages if "private: cannot read directory" in m.message],
            "the indexing message",
        )
    finally:
        (tmp_path / "private").chmod(0o755)


# -- a rule that raises -------------------------------------------------------------------------------------------
async def test_a_rule_that_raises_is_named_and_the_others_report(tmp_path: Path) -> None:
    """The server of tests/lsp/failing_rule_server.py: GL004's check raises on every document."""
    async with own_server(str(LAUNCHER), cwd=tmp_path) as client:
        editor = await Editor.start(client, tmp_path, options=FAST)
        both = UNAWAITED + "\n\nasync def names(db: AsyncSession, User):\n    return db.query(User).all()\n"
        uris = [editor.open(f"app/module_{index}.py", both) for index in range(3)]
        for uri in uris:
            assert codes(await editor.diagnostics(uri)) == ["GL002"]
            [error] = await editor.until(
                lambda uri=uri: logs(client, uri, types.MessageType.Error), f"the error message for {uri}"
            )
            assert error == f"greenlint: GL004 failed on {uri}: RuntimeError: GL004 exploded for the test"
        # still serving: code actions, edits
        diagnostics = await editor.diagnostics(uris[0])
        action = await editor.action(uris[0], "greenlint (GL002): Add await", diagnostics)
        assert "await db.commit()" in await editor.apply(uris[0], action)
