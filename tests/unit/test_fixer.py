"""`text_edits` / `apply_edits` round trips, and `FixBuilder.import_name`."""

from __future__ import annotations

import itertools
import random

import libcst as cst
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetools import source
from greenlint.core.finding import Edit
from greenlint.core.fixer import FixBuilder, apply_edits, text_edits
from greenlint.semantics.walker import gather_facts

# -- text edits ----------------------------------------------------------------------------------------------

_ALPHABET = st.sampled_from(
    [
        "a",
        "b",
        "x",
        " ",
        "\t",
        "\n",
        "\r\n",
        "\r",
        "é",
        "日本",
        "🐍",
        "e\u0301",
        "\x0c",
        "\u2028",
        "\x85",
        "#",
        "(",
    ]
)
TEXTS = st.lists(_ALPHABET, max_size=40).map("".join)


def assert_well_formed(edits: list[Edit], old: str) -> None:
    for edit in edits:
        assert 0 <= edit.start <= edit.end <= len(old)
    for before, after in itertools.pairwise(edits):
        assert before.end <= after.start, (before, after)
    assert all(edit.new_text or edit.start < edit.end for edit in edits), "an edit that changes nothing"


def assert_round_trip(old: str, new: str) -> list[Edit]:
    edits = text_edits(old, new)
    assert_well_formed(edits, old)
    assert apply_edits(old, edits) == new
    assert apply_edits(old, list(reversed(edits))) == new
    return edits


PAIRS = [
    ("", ""),
    ("", "x"),
    ("x", ""),
    ("a\n", "a\n"),
    ("a\nb\nc\n", "a\nB\nc\n"),
    ("a\nb\nc\n", "a\nc\n"),
    ("a\nc\n", "a\nb\nc\n"),
    ("a\nb\nc", "a\nb\nc\n"),
    ("a\nb\nc\n", "a\nb\nc"),
    ("a\r\nb\r\n", "a\r\nB\r\n"),
    ("a\r\nb\r\n", "a\nb\n"),
    ("a\rb\r", "a\r\nb\r\n"),
    ("a\r", "a\r\n"),
    ("x = 1\n", "x = 1\r\n"),
    ("db.commit()\n", "await db.commit()\n"),
    ("def f():\n    pass\n", "async def f():\n    pass\n"),
    ("one\ntwo\nthree\nfour\n", "zero\none\nthree\nfour\nfive\n"),
    ("日本語\n🐍\n", "日本語\n🐍🐍\n"),
    ("e\u0301\n", "é\n"),
    ("a\x0cb\n", "a\x0cc\n"),
    ("a\u2028b\n", "a\u2028c\n"),
    ("same\nsame\nsame\n", "same\nsame\n"),
    ("abc", "abXc"),
    ("\n\n\n", "\n\n"),
    ("\r\n\r\n", "\r\n\n"),
]


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_round_trip_on_pairs(old: str, new: str) -> None:
    edits = assert_round_trip(old, new)
    assert (edits == []) is (old == new)


def test_unchanged_text_gives_no_edits() -> None:
    for text in ("", "x", "a\nb\n", "a\r\nb", "🐍\r"):
        assert text_edits(text, text) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("x = 1\ny = 2\nz = 3\n", "x = 1\ny = 9\nz = 3\n", Edit(10, 11, "9")),
        ("    db.commit()\n", "    await db.commit()\n", Edit(4, 4, "await ")),
        ("def f():\n    pass\n", "async def f():\n    pass\n", Edit(0, 0, "async ")),
        ("async def f():\n    pass\n", "def f():\n    pass\n", Edit(0, 6, "")),
        ("a\r\nb\r\nc\r\n", "a\r\nX\r\nc\r\n", Edit(3, 4, "X")),
        ("日本\n🐍x\n", "日本\n🐍y\n", Edit(4, 5, "y")),
        ("abc", "abXc", Edit(2, 2, "X")),
    ],
)
def test_small_change_gives_one_small_edit(old: str, new: str, expected: Edit) -> None:
    assert text_edits(old, new) == [expected]


def test_two_distant_changes_give_two_edits() -> None:
    old = "".join(f"line {index}\n" for index in range(100))
    new = old.replace("line 3\n", "line three\n").replace("line 90\n", "line ninety\n")
    edits = assert_round_trip(old, new)
    assert len(edits) == 2
    assert sum(edit.end - edit.start for edit in edits) <= 4
    assert sum(len(edit.new_text) for edit in edits) <= 12


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, TEXTS)
def test_round_trip_on_arbitrary_pairs(old: str, new: str) -> None:
    assert_round_trip(old, new)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    old = draw(TEXTS)
    new = old
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(new)))
        length = draw(st.integers(0, min(3, len(new) - at)))
        new = new[:at] + draw(TEXTS.map(lambda text: text[:4])) + new[at + length :]
    return old, new


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_round_trip_on_random_mutations(pair: tuple[str, str]) -> None:
    old, new = pair
    edits = assert_round_trip(old, new)
    if old == new:
        assert edits == []


@settings(max_examples=200)
@given(st.text(max_size=30), st.text(max_size=30))
def test_round_trip_on_any_unicode(old: str, new: str) -> None:
    assert_round_trip(old, new)


def test_round_trip_on_seeded_mutations_of_code() -> None:
    base = source(
        """
        from sqlalchemy.ext.asyncio import AsyncSession


        async def handler(db: AsyncSession):
            result = db.execute(select(User))
            return result.scalars().all()
        """
    )
    generator = random.Random(20240611)
    pieces = ["await ", "async ", "\n", "\r\n", "    ", "(", ")", "é", "🐍", ""]
    for _ in range(300):
        new = base if generator.random() < 0.5 else base.replace("\n", "\r\n")
        for _ in range(generator.randint(1, 5)):
            at = generator.randint(0, len(new))
            cut = generator.randint(0, 4)
            new = new[:at] + generator.choice(pieces) + new[at + cut :]
        assert_round_trip(base, new)


def test_apply_edits_rejects_overlaps() -> None:
    with pytest.raises(ValueError, match="overlapping"):
        apply_edits("abcdef", [Edit(0, 3, "x"), Edit(2, 4, "y")])
    assert apply_edits("abcdef", [Edit(3, 3, "-"), Edit(0, 1, "A")]) == "Abc-def"
    assert apply_edits("abc", []) == "abc"


# -- FixBuilder.import_name ----------------------------------------------------------------------------------


def _builder(code: str) -> tuple[cst.Module, FixBuilder]:
    module = cst.parse_module(source(code))
    return module, FixBuilder(gather_facts(module))


def _name(module: cst.Module, node: cst.BaseExpression) -> str:
    return module.code_for_node(node)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("from sqlalchemy import select as sel\n", "sel"),
        ("from sqlalchemy import select\n", "select"),
        ("from sqlalchemy import func, select\n", "select"),
        ("import sqlalchemy as sa\n", "sa.select"),
        ("import sqlalchemy\n", "sqlalchemy.select"),
    ],
)
def test_import_name_reuses_existing_imports(code: str, expected: str) -> None:
    module, builder = _builder(code)
    assert _name(module, builder.import_name("sqlalchemy", "select")) == expected
    assert builder.apply(module).code == module.code


def test_import_name_of_a_submodule_with_alias() -> None:
    module, builder = _builder("import sqlalchemy.ext.asyncio as sa_async\nfrom sqlalchemy.orm import Session as S\n")
    assert _name(module, builder.import_name("sqlalchemy.ext.asyncio", "AsyncSession")) == "sa_async.AsyncSession"
    assert _name(module, builder.import_name("sqlalchemy.orm", "Session")) == "S"
    assert builder.apply(module).code == module.code


def test_import_name_adds_an_import() -> None:
    module, builder = _builder(
        """
        from sqlalchemy.orm import Session


        def f(db: Session):
            return db
        """
    )
    assert _name(module, builder.import_name("sqlalchemy.ext.asyncio", "AsyncSession")) == "AsyncSession"
    again = builder.import_name("sqlalchemy.ext.asyncio", "AsyncSession")
    assert _name(module, again) == "AsyncSession"
    code = builder.apply(module).code
    assert code.count("from sqlalchemy.ext.asyncio import AsyncSession\n") == 1
    assert "from sqlalchemy.orm import Session\n" in code
    namespace: dict[str, object] = {}
    exec(compile(code, "fixed", "exec"), namespace)  # imports only
    assert "AsyncSession" in namespace


def test_import_name_aliases_a_taken_name() -> None:
    module, builder = _builder(
        """
        from myapp.query import select


        def run():
            return select()
        """
    )
    name = _name(module, builder.import_name("sqlalchemy", "select"))
    assert name != "select"
    code = builder.apply(module).code
    assert f"from sqlalchemy import select as {name}\n" in code
    assert "from myapp.query import select\n" in code


def test_import_name_aliases_a_name_taken_by_an_assignment_or_def() -> None:
    for taken in ("select = None\n", "def select():\n    pass\n", "class select:\n    pass\n"):
        module, builder = _builder(taken)
        name = _name(module, builder.import_name("sqlalchemy", "select"))
        assert name != "select"
        assert f"import select as {name}" in builder.apply(module).code


def test_import_name_alias_is_itself_free() -> None:
    module, builder = _builder("select = 1\nselect_ = 2\n")
    name = _name(module, builder.import_name("sqlalchemy", "select"))
    assert name not in {"select", "select_"}


def test_import_name_does_not_reuse_a_function_local_import() -> None:
    module, builder = _builder(
        """
        def helper():
            from sqlalchemy import select as sel
            return sel
        """
    )
    name = _name(module, builder.import_name("sqlalchemy", "select"))
    code = builder.apply(module).code
    namespace: dict[str, object] = {}
    exec(compile(code, "fixed", "exec"), namespace)  # imports and defs only
    assert name.split(".")[0] in namespace


def test_gl003_fix_imports_the_class_at_module_level() -> None:
    from greenlint.core.autofix import fix_text
    from greenlint.rules.registry import ALL_RULES

    code = source(
        """
        from fastapi import Depends
        from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
        from sqlalchemy.orm import Session

        engine = create_async_engine("sqlite+aiosqlite:///app.db")
        Factory = async_sessionmaker(engine)


        async def get_db():
            async with Factory() as session:
                yield session


        def report():
            from sqlalchemy.ext.asyncio import AsyncSession
            return AsyncSession


        async def route(db: Session = Depends(get_db)):
            return 1
        """
    )
    fixed = fix_text(code, ALL_RULES).text
    assert "async def route(db: AsyncSession = Depends(get_db)):" in fixed
    top_level = [line for line in fixed.splitlines() if not line.startswith(" ")]
    assert any("import" in line and "AsyncSession" in line for line in top_level)
