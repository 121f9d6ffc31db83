"""Hostile and broken input: each case gets one clear message on stderr, every other file is still checked, and the
exit code is 2 only when nothing could be checked (otherwise 1, as for findings).

The good file next to the hostile ones (`app/good.py`, one GL002 on line 5) must always be reported: a hostile file
never hides the rest of the run. Cases that once crashed the interpreter itself (libcst's native parser overflowing
its stack) run in a subprocess, so that a regression fails one test rather than the whole session.
"""

from __future__ import annotations

import errno
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import greenlint.core.checker as core_checker
import greenlint.core.files as core_files
from clitools import UNAWAITED, UNAWAITED_FIXED, Run, example, found, run, run_process, write
from greenlint.core.analysis import analyze
from greenlint.core.checker import MAX_FILE_BYTES, Checker
from greenlint.core.parsing import MAX_DEPTH
from greenlint.rules.gl004_query_on_async_session import QueryOnAsyncSession
from greenlint.rules.registry import ALL_RULES

GOOD = ("app/good.py", 5, "GL002")
ELOOP = os.strerror(errno.ELOOP)
ENOENT = os.strerror(errno.ENOENT)
EACCES = os.strerror(errno.EACCES)
NEEDLE = "from sqlalchemy.ext.asyncio import AsyncSession\n"  # files without it are not even parsed
# A GL002 that the rest of a hostile file must not hide: 5 lines, the finding on its last.
TAIL = "\n\nasync def tail(db: AsyncSession) -> None:\n    db.commit()\n"
TOO_DEEP = f"nested too deeply to check (more than {MAX_DEPTH} levels)"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"app/good.py": UNAWAITED})
    return tmp_path


def problems(result: Run) -> dict[str, str]:
    """stderr's messages by the file they name (`greenlint: PATH[:LINE:COLUMN]: MESSAGE`); one per file."""
    by_file: dict[str, str] = {}
    for line in result.err_lines:
        match = re.fullmatch(r"greenlint: ([^:]+?)(?::(\d+:\d+))?: (.*)", line)
        assert match is not None, f"not a greenlint message: {line!r}"
        path, position, message = match.groups()
        assert path not in by_file, f"two messages for {path}: {result.err}"
        by_file[path] = f"{position}: {message}" if position else message
    return by_file


def assert_clean_failure(result: Run) -> None:
    """No traceback; every message one short line."""
    assert "Traceback" not in result.err, result.err[-2000:]
    assert all(len(line) < 400 for line in result.err_lines), "a message that is not short and clear"


# -- a syntax error in every statement position -------------------------------------------------------------------
# Every `@@` is a place a statement or an expression can be: each broken file has `x = = 1` (or `= =`) in one of
# them, and `pass` (or `1`) in the others.
TEMPLATE = """\
import asyncio
@@
from sqlalchemy.ext.asyncio import AsyncSession


@decorator(@@)
class Repository(Base):
    @@
    attribute: int = 1

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
        else:
            @@
        while False:
            @@
        try:
            @@
        except (ValueError, TypeError) as error:
            @@
        else:
            @@
        finally:
            @@
        async with db.begin():
            @@
        async for row in db.stream(query):
            @@
        with open(path) as stream:
            @@
        match db:
            case AsyncSession():
                @@
            case _:
                @@
        result = [@@ for item in items]
        values = {"key": @@}
        callback = lambda: @@
        text = f"{@@}"
        await db.commit()


def last():
    return @@"""  # no newline at the end: the last statement is broken at the end of the file


def broken_in_position(index: int | None) -> tuple[str, int]:
    """The template with a syntax error in its `index`-th position (None: nowhere), and the line of that error."""
    pieces = TEMPLATE.split("@@")
    text, line = pieces[0], 0
    for position, piece in enumerate(pieces[1:]):
        expression = text.rstrip(" ").endswith(("(", "[", "{", ":", "return", "lambda:")) or text.endswith("{")
        if position == index:
            line = text.count("\n") + 1
            text += "= =" if expression else "x = = 1"
        else:
            text += "1" if expression else "pass"
        text += piece
    return text, line


POSITIONS = TEMPLATE.count("@@")


def test_syntax_error_in_every_statement_position(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = {}
    for index in range(POSITIONS):
        text, line = broken_in_position(index)
        write(project, {f"app/broken_{index:02d}.py": text})
        expected[f"app/broken_{index:02d}.py"] = line
    valid = broken_in_position(None)[0]
    write(project, {"app/valid.py": valid})
    result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    assert_clean_failure(result)
    assert result.code == 1
    assert found(result) == [
        GOOD,
        *(("app/valid.py", f.start.line, f.code) for f in analyze(valid, ALL_RULES).findings),
    ]
    reported = problems(result)
    assert sorted(reported) == sorted(expected), "every broken file once; the valid one not at all"
    for name, line in expected.items():
        assert re.fullmatch(rf"{line}:\d+: not checked: syntax error: .+", reported[name]), (name, reported[name])


def test_the_statement_positions_template_is_valid_python() -> None:
    """The template with no error in any position parses: so each broken file has exactly one error."""
    compile(broken_in_position(None)[0], "template.py", "exec")
    for index in range(POSITIONS):
        with pytest.raises(SyntaxError) as raised:
            compile(broken_in_position(index)[0], "broken.py", "exec")
        assert raised.value.lineno == broken_in_position(index)[1]


def test_fix_leaves_files_with_syntax_errors_alone(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    texts = {f"app/broken_{index:02d}.py": broken_in_position(index)[0] for index in range(POSITIONS)}
    write(project, dict(texts))
    result = run(capsys, "check", "--fix", "app")
    assert_clean_failure(result)
    assert result.code == 1
    assert len(problems(result)) == POSITIONS
    assert (project / "app" / "good.py").read_text(encoding="utf-8") == UNAWAITED_FIXED
    for name, text in texts.items():
        assert (project / name).read_text(encoding="utf-8") == text


# -- one hostile file next to the good one --------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """A hostile file `name` with `content`; stderr's one message for it matches `message` (a regex), and the
    findings are the good file's plus `findings`."""

    id: str
    content: str | bytes
    message: str
    name: str = "app/hostile.py"
    findings: tuple[tuple[str, int, str], ...] = ()


def _ten_megabytes() -> str:
    line = "    " + "x" * 95 + "\n"
    body = line * (10 * 1024 * 1024 // len(line) + 1)
    return NEEDLE + '\n"""A generated module.\n' + body + '"""\n' + TAIL


def _fifty_thousand_lines() -> str:
    block = "".join(
        f"# generated line {index}\n" if index % 10 else f"VALUE_{index} = {index}\n" for index in range(50)
    )
    return NEEDLE + block * 1000 + TAIL


TEN_MB = _ten_megabytes()
FIFTY_K = _fifty_thousand_lines()

FILE_CASES = [
    # null bytes: Python's message, at the byte's line
    Case(
        "nul-at-start",
        b"\x00" + NEEDLE.encode(),
        r"1:\d+: not checked: syntax error: source code cannot contain null bytes",
    ),
    Case("nul-in-code", (NEEDLE + "x = 1\x00 + 2\n").encode(), r"2:\d+: not checked: syntax error: .*null bytes"),
    Case("nul-in-string", (NEEDLE + "x = 'a\x00b'\n").encode(), r"2:\d+: not checked: syntax error: .*null bytes"),
    Case("nul-in-comment", (NEEDLE + "# a\x00b\n").encode(), r"2:\d+: not checked: syntax error: .*null bytes"),
    Case("only-nul", NEEDLE.encode() + b"\x00" * 4096, r"2:\d+: not checked: syntax error: .*null bytes"),
    # bytes that are not text in the file's encoding
    Case(
        "latin-1-without-cookie",
        (NEEDLE + "name = 'café'\n").encode("latin-1"),
        r"cannot decode: not valid utf-8: byte 0xe9 at offset \d+",
    ),
    Case(
        "utf-16-with-bom",
        (NEEDLE + "x = 1\n").encode("utf-16"),
        "cannot decode: not valid utf-8: byte 0xff at offset 0",
    ),
    Case(
        "truncated-utf-8",
        NEEDLE.encode() + "x = '日".encode()[:-1],
        r"cannot decode: not valid utf-8: byte 0xe6 at offset \d+",
    ),
    Case("surrogate-in-utf-8", NEEDLE.encode() + b"x = '\xed\xa0\x80'\n", r"cannot decode: not valid utf-8: byte 0xed"),
    Case("overlong-utf-8", NEEDLE.encode() + b"x = '\xc0\xaf'\n", r"cannot decode: not valid utf-8: byte 0xc0"),
    Case(
        "cookie-names-a-bytes-codec",
        b"# -*- coding: rot13 -*-\n" + NEEDLE.encode(),
        r"cannot decode: cannot decode as rot13: .*not a text encoding",
    ),
    Case(
        "cookie-names-base64",
        b"# coding: base64\n" + NEEDLE.encode(),
        r"cannot decode: cannot decode as base64: .*not a text encoding",
    ),
    Case(
        "cookie-names-undefined",
        b"# coding: undefined\n" + NEEDLE.encode(),
        r"cannot decode: cannot decode as undefined: .*undefined encoding",
    ),
    Case(
        "cookie-names-punycode",
        b"# coding: punycode\n" + NEEDLE.encode(),
        r"cannot decode: cannot decode as punycode: ",
    ),
    Case("cookie-unknown", b"# coding: klingon\n" + NEEDLE.encode(), "cannot decode: unknown encoding: klingon"),
    Case(
        "utf-16-cookie-on-ascii",
        b"# coding: utf-16\n" + NEEDLE.encode(),
        r"cannot decode: (not valid utf-16|truncated)",
    ),
    Case(
        "lone-surrogate-from-unicode-escape",
        b"# coding: unicode_escape\n" + NEEDLE.encode() + b'x = "\\ud800"\n',
        r"1:1: not checked: syntax error: .*surrogates not allowed",
    ),
    # size: checked (the finding at the very end is found), or skipped with a message past the limit
    Case("ten-megabytes", TEN_MB, "", findings=(("app/hostile.py", TEN_MB.count("\n"), "GL002"),)),
    Case("fifty-thousand-lines", FIFTY_K, "", findings=(("app/hostile.py", FIFTY_K.count("\n"), "GL002"),)),
    Case(
        "one-ten-megabyte-line",
        NEEDLE + "x = '" + "y" * 10_000_000 + "'\n" + TAIL,
        "",
        findings=(("app/hostile.py", 6, "GL002"),),
    ),
]


@pytest.mark.parametrize("case", FILE_CASES, ids=[case.id for case in FILE_CASES])
def test_hostile_file_next_to_a_good_one(project: Path, capsys: pytest.CaptureFixture[str], case: Case) -> None:
    write(project, {case.name: case.content})
    started = time.monotonic()
    result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    elapsed = time.monotonic() - started
    assert_clean_failure(result)
    assert result.code == 1
    assert found(result) == sorted([GOOD, *case.findings])
    reported = problems(result)
    if case.message:
        assert list(reported) == [case.name], result.err
        assert re.match(case.message, reported[case.name]), reported[case.name]  # the message starts so
    else:
        assert reported == {}
    assert elapsed < 30, f"{case.id} took {elapsed:.1f}s"


def test_a_file_over_the_size_limit_is_skipped_unread(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with (project / "app" / "huge.py").open("wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written, and greenlint must not read it
    result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    assert_clean_failure(result)
    assert result.code == 1
    assert found(result) == [GOOD]
    assert problems(result) == {"app/huge.py": f"skipped: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"}


def test_fix_of_a_big_file_is_complete(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"app/big.py": FIFTY_K})
    result = run(capsys, "check", "--fix", "app")
    assert (result.code, result.err) == (0, "")
    fixed = FIFTY_K.replace("    db.commit()\n", "    await db.commit()\n")
    assert (project / "app" / "big.py").read_text(encoding="utf-8") == fixed


# -- nesting deep enough for Python's recursion limit (and libcst's native stack) ---------------------------------
DEEP = {
    # valid Python, nested past greenlint's limit: never handed to libcst (whose parser crashed the process)
    "not_chain.py": NEEDLE + "x = " + "not " * 100_000 + "y\n",
    "negation_chain.py": NEEDLE + "x = " + "-" * 100_000 + "y\n",
    "and_chain.py": NEEDLE + "x = " + " and ".join(["a"] * 100_000) + "\n",
    "sum_chain.py": NEEDLE + "x = " + " + ".join(["1"] * 5_000) + "\n",
    "attribute_chain.py": NEEDLE + "x = a" + ".b" * 5_000 + "\n",
    "call_chain.py": NEEDLE + "x = f" + "()" * 5_000 + "\n",
    "subscript_chain.py": NEEDLE + "x = a" + "[0]" * 5_000 + "\n",
    "lambda_chain.py": NEEDLE + "x = " + "lambda: " * 5_000 + "1\n",
    "conditional_chain.py": NEEDLE + "x = " + "1 if c else " * 5_000 + "1\n",
    "power_chain.py": NEEDLE + "x = " + "**".join(["2"] * 5_000) + "\n",
    "elif_chain.py": NEEDLE + "if a:\n    pass\n" + "elif a:\n    pass\n" * 1_000,
    "continued_lines.py": NEEDLE + "x = 1" + " - \\\n    1" * 20_000 + "\n",
    # a syntax error Python itself reports for nesting
    "brackets.py": NEEDLE + "x = " + "(" * 1_000 + ")" * 1_000 + "\n",
    "indentation.py": NEEDLE + "".join(" " * level + "if x:\n" for level in range(120)) + " " * 120 + "pass\n",
    # newer syntax than this Python parses (PEP 695), nested deeply: estimated from the tokens instead
    "new_syntax_and_chain.py": NEEDLE + "type Alias = int\nx = " + " and ".join(["a"] * 100_000) + "\n",
    # valid Python that nests only in libcst's tree: adjacent strings
    "adjacent_strings.py": NEEDLE + "x = (\n" + '    "a"\n' * 1_000 + ")\n" + TAIL,  # a finding to locate
    "many_adjacent_strings.py": NEEDLE + "x = (\n" + '    "a"\n' * 5_000 + ")\n",
    # valid Python that libcst parses but cannot represent (no space around `in`)
    "unspaced_comparison.py": NEEDLE + "async def f(db, x):\n    await db.flush()in(x)\n",
}
DEEP_MESSAGES = {
    "brackets.py": r"2:\d+: not checked: syntax error: too many nested parentheses",
    "indentation.py": r"\d+:\d+: not checked: syntax error: too many levels of indentation",
    "new_syntax_and_chain.py": r"3:\d+: not checked: nested too deeply to check \(more than 1000 levels\)",
    "adjacent_strings.py": r"1:1: not checked: nested too deeply to check \(the analysis reached Python's recursion .+",
    "many_adjacent_strings.py": r"\d+:\d+: not checked: libcst cannot parse this valid code: .+",
    "unspaced_comparison.py": r"1:1: not checked: libcst cannot represent this valid code: Must have at least one .+",
}
# Deep but within the limit (a long query chain, a long sum): checked, with its finding.
NEAR_LIMIT = (
    NEEDLE
    + "x = "
    + " + ".join(["1"] * (MAX_DEPTH - 20))
    + "\n"
    + "y = a"
    + ".b()" * ((MAX_DEPTH - 20) // 2)
    + "\n"
    + "z = "
    + " and ".join(["a"] * (MAX_DEPTH - 20))
    + "\n"
    + TAIL
)


def test_deep_nesting_is_reported_and_never_crashes(tmp_path: Path) -> None:
    write(tmp_path, {"app/good.py": UNAWAITED, "app/near_limit.py": NEAR_LIMIT})
    write(tmp_path, {f"app/{name}": text for name, text in DEEP.items()})
    started = time.monotonic()
    result = run_process("check", "--no-cache", "--format", "json", "app", cwd=tmp_path)
    elapsed = time.monotonic() - started
    assert result.code == 1, (result.code, result.err[-3000:])
    assert_clean_failure(result)
    assert found(result) == [GOOD, ("app/near_limit.py", NEAR_LIMIT.count("\n"), "GL002")]
    reported = problems(result)
    assert sorted(reported) == sorted(f"app/{name}" for name in DEEP)
    for name in DEEP:
        pattern = DEEP_MESSAGES.get(name, rf"\d+:\d+: not checked: {re.escape(TOO_DEEP)}")
        assert re.fullmatch(pattern, reported[f"app/{name}"]), (name, reported[f"app/{name}"])
    assert elapsed < 30, f"{elapsed:.1f}s"


def test_deep_nesting_with_fix(tmp_path: Path) -> None:
    write(tmp_path, {"app/good.py": UNAWAITED, "app/deep.py": DEEP["and_chain.py"] + TAIL})
    result = run_process("check", "--fix", "app", cwd=tmp_path)
    assert result.code == 1, result.err[-2000:]
    assert_clean_failure(result)
    assert (tmp_path / "app" / "good.py").read_text(encoding="utf-8") == UNAWAITED_FIXED
    assert (tmp_path / "app" / "deep.py").read_text(encoding="utf-8") == DEEP["and_chain.py"] + TAIL
    assert TOO_DEEP in problems(result)["app/deep.py"]


# -- files and directories that vanish, loop or cannot be read --------------------------------------------------------
def vanish_after_listing(monkeypatch: pytest.MonkeyPatch, *paths: Path) -> None:
    """Delete `paths` right after the files to check are listed (before any is read)."""
    listed = core_checker.discover

    def listing_then_deleting(*args: Any, **kwargs: Any) -> Iterator[Any]:
        files = list(listed(*args, **kwargs))
        for path in paths:
            path.unlink()
        return iter(files)

    monkeypatch.setattr(core_checker, "discover", listing_then_deleting)


def test_file_vanishing_between_listing_and_reading(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"app/vanishing.py": UNAWAITED, "app/other.py": example("GL004", 1)})
    vanish_after_listing(monkeypatch, project / "app" / "vanishing.py")
    result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    assert_clean_failure(result)
    assert result.code == 1
    assert found(result) == [GOOD, ("app/other.py", 5, "GL004")]
    assert problems(result) == {"app/vanishing.py": f"cannot read: {ENOENT}"}


def test_file_vanishing_during_fix_is_not_recreated(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"app/vanishing.py": UNAWAITED})
    vanish_after_listing(monkeypatch, project / "app" / "vanishing.py")
    result = run(capsys, "check", "--fix", "app")
    assert_clean_failure(result)
    assert result.code == 1
    assert problems(result) == {"app/vanishing.py": f"cannot read: {ENOENT}"}
    assert not (project / "app" / "vanishing.py").exists()
    assert sorted(path.name for path in (project / "app").iterdir()) == ["good.py"]
    assert (project / "app" / "good.py").read_text(encoding="utf-8") == UNAWAITED_FIXED


def test_file_changed_between_reading_and_writing_is_not_overwritten(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editor saving the file while `--fix` works on it: its text wins, the fix is reported as not written."""
    target = project / "app" / "good.py"
    fix = Checker.fix

    def fix_while_someone_saves(self: Checker, file: Any, **kwargs: Any) -> Any:
        original_read = self._read

        def read_then_save(file: Any, result: Any) -> Any:
            source = original_read(file, result)
            target.write_text(UNAWAITED + "# saved by the editor\n", encoding="utf-8")
            return source

        monkeypatch.setattr(self, "_read", read_then_save)
        return fix(self, file, **kwargs)

    monkeypatch.setattr(Checker, "fix", fix_while_someone_saves)
    result = run(capsys, "check", "--fix", "app")
    assert_clean_failure(result)
    assert result.code == 1
    assert problems(result) == {"app/good.py": "not fixed: it changed on disk while it was being checked"}
    assert target.read_text(encoding="utf-8") == UNAWAITED + "# saved by the editor\n"


def test_directory_vanishing_before_it_is_read(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"app/gone/module.py": UNAWAITED})
    scandir = os.scandir

    def vanishing(path: Any) -> Any:
        if Path(path).name == "gone":
            (Path(path) / "module.py").unlink()
            Path(path).rmdir()
        return scandir(path)

    monkeypatch.setattr(core_files.os, "scandir", vanishing)
    result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    monkeypatch.undo()
    assert_clean_failure(result)
    assert result.code == 1
    assert found(result) == [GOOD]
    assert problems(result) == {"app/gone": f"cannot read directory: {ENOENT}"}


def refuse_to_read(monkeypatch: pytest.MonkeyPatch, directory_names: set[str], file_names: set[str]) -> None:
    """Reading these directories or files raises PermissionError, as for an unreadable one (even for root)."""
    scandir = os.scandir
    read_bytes = Path.read_bytes

    def guarded_scandir(path: Any) -> Any:
        if Path(path).name in directory_names:
            raise PermissionError(errno.EACCES, EACCES, str(path))
        return scandir(path)

    def guarded_read_bytes(self: Path) -> bytes:
        if self.name in file_names:
            raise PermissionError(errno.EACCES, EACCES, str(self))
        return read_bytes(self)

    monkeypatch.setattr(core_files.os, "scandir", guarded_scandir)
    monkeypatch.setattr(Path, "read_bytes", guarded_read_bytes)


def test_unreadable_directory_and_file(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"app/private/module.py": UNAWAITED, "app/secret.py": UNAWAITED, "app/other.py": UNAWAITED})
    refuse_to_read(monkeypatch, {"private"}, {"secret.py"})
    result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    monkeypatch.undo()
    assert_clean_failure(result)
    assert result.code == 1
    assert found(result) == [("app/good.py", 5, "GL002"), ("app/other.py", 5, "GL002")]
    assert problems(result) == {
        "app/private": f"cannot read directory: {EACCES}",
        "app/secret.py": f"cannot read: {EACCES}",
    }


def test_only_an_unreadable_directory_exits_2(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"private/module.py": UNAWAITED})
    refuse_to_read(monkeypatch, {"private"}, set())
    result = run(capsys, "check", "--no-cache", "private")
    monkeypatch.undo()
    assert_clean_failure(result)
    assert result.code == 2  # nothing could be checked
    assert problems(result) == {"private": f"cannot read directory: {EACCES}"}
    assert "All checks passed!" not in result.out


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads directories whatever their mode")
def test_directory_without_permissions(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same with real permissions, where they apply (not to root, as in CI: see the injected tests above)."""
    write(project, {"app/private/module.py": UNAWAITED})
    (project / "app" / "private").chmod(0)
    try:
        result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    finally:
        (project / "app" / "private").chmod(0o755)
    assert result.code == 1
    assert found(result) == [GOOD]
    assert problems(result) == {"app/private": f"cannot read directory: {EACCES}"}


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_symlink_loops_in_the_workspace(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = project / "app"
    (app / "self.py").symlink_to("self.py")
    (app / "ping.py").symlink_to("pong.py")
    (app / "pong.py").symlink_to("ping.py")
    (app / "loop").symlink_to("loop")  # a directory-ish loop, not named like a module: nothing to say
    (app / "up").symlink_to("..")  # a link to an ancestor: links to directories are not followed
    (app / "here").symlink_to(".")
    (app / "nowhere.py").symlink_to(project / "missing.py")
    result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    assert_clean_failure(result)
    assert result.code == 1
    assert found(result) == [GOOD]
    assert problems(result) == {
        "app/self.py": f"cannot read: {ELOOP}",
        "app/ping.py": f"cannot read: {ELOOP}",
        "app/pong.py": f"cannot read: {ELOOP}",
        "app/nowhere.py": f"cannot read: {ENOENT}",
    }
    named = run(capsys, "check", "--no-cache", "app/self.py", "app/good.py")
    assert named.code == 1
    assert problems(named) == {"app/self.py": f"cannot read: {ELOOP}"}
    alone = run(capsys, "check", "--no-cache", "app/loop")
    assert alone.code == 2
    assert problems(alone) == {"app/loop": f"cannot read: {ELOOP}"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_named_pipe_named_like_a_module_is_never_read(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(project / "app" / "pipe.py")  # reading it would block forever
    result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    assert (result.code, found(result), result.err) == (1, [GOOD], "")
    named = run(capsys, "check", "--no-cache", "app/pipe.py")
    assert named.code == 2
    assert problems(named) == {"app/pipe.py": "not a regular file or directory"}


def test_invalid_patterns_in_a_gitignore_are_skipped(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {".git/HEAD": "", ".gitignore": "[z-a]\n!\n\\\nignored/\n", "ignored/module.py": UNAWAITED})
    result = run(capsys, "check", "--no-cache", "--format", "json")
    assert (result.code, found(result), result.err) == (1, [GOOD], "")


# -- broken or hostile pyproject.toml -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Config:
    id: str
    body: str | bytes
    problem: str  # a regex found in the one message


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


CONFIG_CASES = [
    Config("invalid-toml", "[tool.greenlint]\nselect = [\n", "invalid TOML"),
    Config("not-utf-8", b"[tool.greenlint]\nselect = ['GL00\xe9']\n", "cannot read"),
    Config("nul-byte", b"[tool.greenlint]\nselect = ['GL002']\x00\n", "invalid TOML"),
    Config("nested-arrays", f"[tool.greenlint]\nselect = {_nested(5_000)}\n", "nested too deeply|invalid TOML"),
    Config(
        "nested-inline-tables",
        "[tool]\ngreenlint = " + "{a = " * 5_000 + "1" + "}" * 5_000 + "\n",
        "nested too deeply|invalid TOML",
    ),
    Config(
        "nested-value-within-limits", f"[tool.greenlint]\nselect = {_nested(50)}\n", "select must be a list of strings"
    ),
    Config(
        "huge-selector",
        "[tool.greenlint]\nselect = ['" + "A" * 1_000_000 + "']\n",
        r"unknown rule selector 'A+\.\.\.A+'",
    ),
    Config(
        "huge-number",
        "[tool.greenlint]\nseverity = {GL002 = " + "9" * 5_000 + "}\n",
        r"invalid TOML: Exceeds the limit \(4300 digits\)|severity of GL002 must be",
    ),
    Config(
        "huge-list",
        "[tool.greenlint]\nselect = [" + "1, " * 100_000 + "]\n",
        r"select must be a list of strings, got \[1, 1, 1, 1, 1, 1, \.\.\.\]",
    ),
    Config(
        "unknown-keys",
        "[tool.greenlint]\n" + "".join(f"key{index} = {index}\n" for index in range(10_000)),
        "unknown key 'key0'",
    ),
    Config("wrong-type-select", "[tool.greenlint]\nselect = {GL002 = true}\n", "select must be a list of strings"),
    Config("wrong-type-exclude", "[tool.greenlint]\nexclude = 3\n", "exclude must be a list of glob strings"),
    Config("wrong-type-severity", '[tool.greenlint]\nseverity = "warning"\n', "severity must be a table"),
    Config("wrong-type-per-file", "[tool.greenlint]\nper-file-ignores = 1\n", "per-file-ignores must be a table"),
    Config("wrong-type-table", "[tool]\ngreenlint = [1, 2]\n", r"\[tool.greenlint\] must be a table"),
    Config("invalid-glob-range", '[tool.greenlint]\nexclude = ["[z-a]"]\n', r"exclude: invalid glob '\[z-a\]'"),
    Config("invalid-glob-negation", '[tool.greenlint]\nexclude = ["!"]\n', "exclude: invalid glob '!'"),
    Config(
        "invalid-per-file-glob",
        '[tool.greenlint]\nper-file-ignores = {"[z-a]" = ["GL002"]}\n',
        "per-file-ignores: invalid glob",
    ),
]


@pytest.mark.parametrize("config", CONFIG_CASES, ids=[config.id for config in CONFIG_CASES])
def test_broken_subproject_configuration_spares_the_rest(
    project: Path, capsys: pytest.CaptureFixture[str], config: Config
) -> None:
    """The files it governs are not checked (with one message); every other file is."""
    write(project, {"sub/pyproject.toml": config.body, "sub/module.py": UNAWAITED, "other/module.py": UNAWAITED})
    started = time.monotonic()
    result = run(capsys, "check", "--no-cache", "--format", "json")
    elapsed = time.monotonic() - started
    assert_clean_failure(result)
    assert result.code == 1
    assert found(result) == [GOOD, ("other/module.py", 5, "GL002")]
    [line] = result.err_lines
    assert line.startswith(f"greenlint: error: {project / 'sub' / 'pyproject.toml'}: "), line
    assert re.search(config.problem, line), line
    assert elapsed < 10, f"{elapsed:.1f}s"


@pytest.mark.parametrize("config", CONFIG_CASES[:6], ids=[config.id for config in CONFIG_CASES[:6]])
def test_broken_configuration_of_everything_exits_2(
    project: Path, capsys: pytest.CaptureFixture[str], config: Config
) -> None:
    write(project, {"pyproject.toml": config.body})
    result = run(capsys, "check", "--no-cache")
    assert_clean_failure(result)
    assert result.code == 2  # nothing could be checked
    assert result.out == ""
    [line] = result.err_lines
    assert line.startswith(f"greenlint: error: {project / 'pyproject.toml'}: ") and re.search(config.problem, line)


def test_huge_dependency_lists_are_checked_in_time(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dependencies = ", ".join(['"sqlalchemy[asyncio]>=2"'] * 20_000 + ['"fastapi"'] * 20_000)
    write(project, {"pyproject.toml": f'[project]\nname = "app"\nversion = "1"\ndependencies = [{dependencies}]\n'})
    started = time.monotonic()
    result = run(capsys, "check", "--no-cache", "--format", "json")
    assert time.monotonic() - started < 15
    assert (result.code, found(result), result.err) == (1, [GOOD], "")


# -- a rule (or a fix) that raises ----------------------------------------------------------------------------------
def _raises_on(name: str, error: BaseException) -> Callable[[Any, Any], Any]:
    """GL004's check, raising on the file called `name` only."""
    check = QueryOnAsyncSession.check

    def raising(self: Any, context: Any) -> Any:
        if context.workspace.path is not None and context.workspace.path.name == name:
            raise error
        return check(self, context)

    return raising


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (RuntimeError("GL004 exploded for the test"), "RuntimeError: GL004 exploded for the test"),
        (RecursionError("maximum recursion depth exceeded"), "RecursionError: maximum recursion depth exceeded"),
        (KeyError("missing"), "KeyError: 'missing'"),
    ],
    ids=["runtime-error", "recursion-error", "key-error"],
)
@pytest.mark.parametrize("mode", [[], ["--fix"]], ids=["check", "fix"])
def test_a_rule_that_raises_on_one_file_is_named_and_everything_else_reports(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    error: BaseException,
    shown: str,
    mode: list[str],
) -> None:
    both = UNAWAITED + "\n\nasync def names(db: AsyncSession, User):\n    return db.query(User).all()\n"
    write(project, {"app/both.py": both, "app/query.py": example("GL004", 1)})
    monkeypatch.setattr(QueryOnAsyncSession, "check", _raises_on("both.py", error))
    result = run(capsys, "check", "--no-cache", *mode, "app")
    monkeypatch.undo()
    assert_clean_failure(result)
    assert result.code == 1
    assert problems(result) == {"app/both.py": f"internal error in GL004 (other rules ran): {shown}"}
    # the same rule on another file reports (its finding has no fix: it remains after --fix too)
    assert re.search(r"^app/query\.py:5:\d+: GL004 ", result.out, re.MULTILINE), result.out
    if mode:  # GL002's fixes were still applied
        assert (project / "app" / "good.py").read_text(encoding="utf-8") == UNAWAITED_FIXED
        fixed = both.replace("db.commit()", "await db.commit()")
        assert (project / "app" / "both.py").read_text(encoding="utf-8") == fixed
    else:
        assert "app/good.py:5:25: GL002" in result.out and "app/both.py:5:25: GL002" in result.out


def test_a_fix_that_raises_changes_nothing_and_is_reported(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from greenlint.core.analysis import Analysis

    def broken(self: Analysis, fixes: Any) -> str:
        raise ValueError("the fix exploded for the test")

    write(project, {"app/other.py": UNAWAITED})
    monkeypatch.setattr(Analysis, "fixed_text", broken)
    result = run(capsys, "check", "--fix", "app")
    monkeypatch.undo()
    assert_clean_failure(result)
    assert result.code == 1
    message = "a fix of GL002 failed (ValueError: the fix exploded for the test); the file was left unchanged"
    assert problems(result) == {"app/good.py": message, "app/other.py": message}
    assert [line.split(" ")[:2] for line in result.out.splitlines()[:2]] == [  # still reported
        ["app/good.py:5:25:", "GL002"],
        ["app/other.py:5:25:", "GL002"],
    ]
    assert (project / "app" / "good.py").read_text(encoding="utf-8") == UNAWAITED


def test_a_file_that_breaks_greenlint_spares_the_others(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"app/cursed.py": UNAWAITED, "app/other.py": UNAWAITED})
    check = Checker.check

    def cursed(self: Checker, file: Any) -> Any:
        if file.path.name == "cursed.py":
            raise MemoryError("out of memory for the test")
        return check(self, file)

    monkeypatch.setattr(Checker, "check", cursed)
    result = run(capsys, "check", "--no-cache", "--format", "json", "app")
    monkeypatch.undo()
    assert_clean_failure(result)
    assert result.code == 1
    assert found(result) == [GOOD, ("app/other.py", 5, "GL002")]
    assert problems(result) == {"app/cursed.py": "not checked: internal error: MemoryError: out of memory for the test"}
