"""`node_offsets` + `trimmed` against libcst's PositionProvider, on real files and on awkward text."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from casetools import REPOSITORY, SHARED_CASES, check, source
from greenlint.core import positions
from greenlint.core.positions import node_offsets, trimmed
from greenlint.core.source import LineIndex

_TYPES = (cst.Call, cst.Await, cst.Name, cst.SimpleString)


def _files() -> list[Path]:
    files = sorted(SHARED_CASES.glob("*/*.py")) + sorted((REPOSITORY / "examples" / "shop").rglob("*.py"))
    return [path for path in files if path.is_file()]


FILES = _files()


def _expected(module: cst.Module) -> dict[int, tuple[cst.CSTNode, tuple[int, int, int, int]]]:
    """id(node) -> (node, (start line, start column, end line, end column)) from libcst, 1-based columns."""
    ranges = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return {
        id(node): (node, (r.start.line, r.start.column + 1, r.end.line, r.end.column + 1))
        for node, r in ranges.items()
        if isinstance(node, _TYPES)
    }


def _actual(text: str, module: cst.Module, nodes: list[cst.CSTNode]) -> dict[int, tuple[int, int, int, int]]:
    offsets = node_offsets(module, nodes)
    lines = LineIndex(text)
    found = {}
    for key, (start, end) in offsets.items():
        start, end = trimmed(text, start, end)
        begin, finish = lines.position(start), lines.position(end)
        found[key] = (begin.line, begin.column, finish.line, finish.column)
    return found


def _parenthesised(node: cst.CSTNode) -> bool:
    return bool(getattr(node, "lpar", ()))


def assert_positions_agree(text: str, *, parenthesised: bool = False) -> int:
    """Compare every Call, Await, Name and SimpleString (only those in parentheses when `parenthesised`)."""
    module = cst.parse_module(text)
    assert module.code == text
    expected = {key: entry for key, entry in _expected(module).items() if _parenthesised(entry[0]) is parenthesised}
    nodes = [node for node, _ in expected.values()]
    actual = _actual(text, module, nodes)
    assert set(actual) == set(expected)
    mismatches = [
        (module.code_for_node(node)[:40], position, actual[key])
        for key, (node, position) in expected.items()
        if actual[key] != position
    ]
    assert mismatches == []
    return len(expected)


def test_the_corpus_is_there() -> None:
    assert len(FILES) >= 20
    assert any("examples" in path.parts for path in FILES)


@pytest.mark.parametrize("path", FILES, ids=[f"{path.parent.name}/{path.name}" for path in FILES])
def test_positions_agree_with_libcst_on_real_files(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert assert_positions_agree(text) > 0


def test_positions_agree_on_crlf_text() -> None:
    for path in FILES[:8]:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n").replace("\n", "\r\n")
        assert "\r\n" in text
        assert assert_positions_agree(text) > 0


UNICODE_TEXT = source(
    """
    # -*- coding: utf-8 -*-
    from sqlalchemy.ext.asyncio import AsyncSession


    async def 保存(セッション: AsyncSession, 名前="日本語の文字列") -> None:
        await セッション.execute("SELECT '🎉🐍'", {"ключ": 名前})  # 😀 comment with emoji
        café = "e\u0301"  # composed identifier, decomposed string
        cafe\u0301_x = f"{café}"
        s = "👨‍👩‍👧‍👦" + 名前; await セッション.commit()
        return await セッション.scalar(
            "multi\\nline",
        )
    """
)


def test_positions_agree_on_non_ascii_text() -> None:
    assert "\u0301" in UNICODE_TEXT and "🎉" in UNICODE_TEXT
    assert assert_positions_agree(UNICODE_TEXT) > 20
    crlf = UNICODE_TEXT.replace("\n", "\r\n")
    assert assert_positions_agree(crlf) > 20


PARENTHESISED_TEXT = source(
    """
    value = (  # opening
        await (
            db.execute(  # call
                ( "x" )
            )
        )
    )
    other = ((name))
    """
)


def test_nodes_inside_parentheses_and_comments() -> None:
    assert assert_positions_agree(PARENTHESISED_TEXT) >= 3


def test_parenthesised_nodes_agree_with_libcst() -> None:
    texts = [PARENTHESISED_TEXT] + [path.read_text(encoding="utf-8") for path in FILES]
    assert sum(assert_positions_agree(text, parenthesised=True) for text in texts) > 10


def test_finding_in_parentheses_starts_at_the_call_and_honours_its_noqa() -> None:
    code = source(
        """
        from sqlalchemy.ext.asyncio import AsyncSession


        async def save(db: AsyncSession) -> None:
            (
                db.commit()  # noqa: GL002
            )
            names = (
                db.scalars(q)
            ).all()
        """
    )
    findings = [(f.code, f.start.line, f.start.column, f.end.line, f.end.column) for f in check(code).findings]
    assert findings == [("GL002", 9, 9, 9, 22)]


def test_offsets_include_owned_whitespace_and_trimmed_removes_it() -> None:
    text = "x = f(  a  , b)\n"
    module = cst.parse_module(text)
    call = module.body[0].body[0].value  # type: ignore[attr-defined]
    first_argument = call.args[0].value
    offsets = node_offsets(module, [call, first_argument])
    assert text[slice(*offsets[id(call)])] == "f(  a  , b)"
    assert text[slice(*offsets[id(first_argument)])].strip() == "a"
    assert trimmed(text, *offsets[id(first_argument)]) == (8, 9)


def test_trimmed() -> None:
    assert trimmed("  ab  ", 0, 6) == (2, 4)
    assert trimmed("\r\n\tab\r\n", 0, 7) == (3, 5)
    assert trimmed("    ", 0, 4) in {(0, 0), (4, 4)}
    assert trimmed("abc", 1, 1) == (1, 1)
    assert trimmed("a b", 0, 3) == (0, 3)


def test_no_nodes_and_foreign_nodes() -> None:
    module = cst.parse_module("x = 1\n")
    assert node_offsets(module, []) == {}
    stranger = cst.Name("x")
    assert node_offsets(module, [stranger]) == {}


def test_early_stopping(monkeypatch: pytest.MonkeyPatch) -> None:
    """Asking for an early node returns its range and stops generating code soon after it."""
    body = "".join(f"value_{index} = compute({index})\n" for index in range(500))
    text = "first = call()\n" + body
    module = cst.parse_module(text)
    first_call = module.body[0].body[0].value  # type: ignore[attr-defined]
    assert isinstance(first_call, cst.Call)

    generated: list[int] = []
    original = positions._OffsetState.add_token

    def counting(self: positions._OffsetState, value: str) -> None:
        original(self, value)
        generated.append(self.offset)

    monkeypatch.setattr(positions._OffsetState, "add_token", counting)
    offsets = node_offsets(module, [first_call])
    assert offsets == {id(first_call): (8, 14)}
    assert text[8:14] == "call()"
    assert max(generated) < 100 < len(text)

    generated.clear()
    last_call = module.body[-1].body[0].value  # type: ignore[attr-defined]
    both = node_offsets(module, [first_call, last_call])
    assert both[id(first_call)] == (8, 14)
    assert text[slice(*both[id(last_call)])] == "compute(499)"
    assert max(generated) > len(text) - 20


def test_repeated_node_counts_once() -> None:
    module = cst.parse_module("a = b\nc = d\n")
    name = module.body[1].body[0].value  # type: ignore[attr-defined]
    assert node_offsets(module, [name, name]) == {id(name): (10, 11)}
