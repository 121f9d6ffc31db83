"""The fuzz tests' machinery: seed modules, mutations of them, generated modules, and the properties every module
must satisfy (`check_module`, `check_file`).

Seeds are the rules' own examples, examples/shop, ../shared/cases (when it is beside the checkout) and the Python
texts quoted in the unit, CLI and LSP tests. Mutations shuffle and move statements, remove and add awaits, turn
`def` into `async def` (and `with`/`for` into their async forms) and back, rename names (sessions first, to
non-ASCII names and to names already taken), drop loader options and keyword arguments, insert non-ASCII comments
and statements, put blocks on one line, wrap statements in blocks and calls in other expressions, break lines
inside brackets and with backslashes, insert session events (commit, refresh, flush, expire ...), splice two seeds
together, indent with tabs, drop the final line break and end lines with CRLF. Every draw is an integer or a
`sampled_from`, so hypothesis shrinks a failure to few mutations of an early seed."""

from __future__ import annotations

import ast
import difflib
import functools
import keyword
import os
import shutil
import textwrap
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesmith
import libcst as cst
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from casetools import REPOSITORY, SHARED_CASES
from greenlint.core.analysis import Analysis, analyze
from greenlint.core.autofix import fix_text
from greenlint.core.checker import Checker
from greenlint.core.files import SourceFile
from greenlint.core.finding import Edit, Finding, Fix
from greenlint.core.fixer import apply_edits
from greenlint.core.source import LineIndex
from greenlint.lsp.convert import PositionMap
from greenlint.rules.base import Rule
from greenlint.rules.registry import ALL_RULES
from greenlint.semantics.index import WorkspaceIndex

# -- budget and settings -------------------------------------------------------------------------------------

DEFAULT_EXAMPLES = 300  # in total, across the fuzz tests; GREENLINT_FUZZ_EXAMPLES=10000 for the slow run
TOTAL_EXAMPLES = int(os.environ.get("GREENLINT_FUZZ_EXAMPLES", "") or DEFAULT_EXAMPLES)
RANDOM = os.environ.get("GREENLINT_FUZZ_RANDOM", "") not in ("", "0")  # explore new examples (--hypothesis-seed)

# Deterministic by default (derandomize, no example database): every CI run tries the same examples and a failure
# reproduces on any machine. GREENLINT_FUZZ_RANDOM=1 draws new examples on each run.
settings.register_profile(
    "greenlint-fuzz",
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)


def fuzz_settings(share: float) -> settings:
    """The fuzz profile with `share` of the total example budget (at least one example)."""
    return settings(settings.get_profile("greenlint-fuzz"), max_examples=max(1, round(TOTAL_EXAMPLES * share)))


# -- seeds ---------------------------------------------------------------------------------------------------

TEST_SUITES = ("unit", "cli", "lsp")  # not tests/runtime: its programs are edited independently
NEEDLES = ("sqlalchemy", "sqlmodel")


def _parses(text: str) -> bool:
    try:
        cst.parse_module(text)
    except Exception:  # noqa: BLE001 - any failure means: not a usable seed
        return False
    return True


def _quoted_modules(path: Path) -> list[str]:
    """The Python modules quoted as string constants in a test file (dedented), which use SQLAlchemy."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "\n" in node.value:
            text = textwrap.dedent(node.value).lstrip("\n")
            if any(needle in text for needle in NEEDLES) and _parses(text):
                found.append(text)
    return found


def _files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*.py") if path.is_file()) if root.is_dir() else []


def load_seeds() -> list[str]:
    """Every seed module, deduplicated, in a stable order (the rules' examples first: they shrink there)."""
    seeds: list[str] = []
    for rule in ALL_RULES:
        if isinstance(rule, Rule):
            for example in rule.examples:
                seeds.append(example.code)
                if example.fixed is not None:
                    seeds.append(example.fixed)
    seeds.extend(path.read_text(encoding="utf-8") for path in _files(REPOSITORY / "examples" / "shop"))
    seeds.extend(path.read_text(encoding="utf-8") for path in _files(SHARED_CASES))
    tests = REPOSITORY / "tests"
    for suite in TEST_SUITES:
        for path in sorted((tests / suite).glob("*.py")):
            seeds.extend(_quoted_modules(path))
    seeds.extend(_quoted_modules(tests / "casetools.py"))
    return [seed for seed in dict.fromkeys(seeds) if _parses(seed)]


SEEDS = load_seeds()
SHOP = REPOSITORY / "examples" / "shop"
SHOP_MODULES = _files(SHOP)

# -- mutations -----------------------------------------------------------------------------------------------

Draw = Callable[[st.SearchStrategy[Any]], Any]


def _pick(draw: Draw, items: Sequence[Any]) -> Any:
    """One of `items` (shrinks towards the first)."""
    return items[draw(st.integers(0, len(items) - 1))]


class _Collector(cst.CSTVisitor):
    """Every node of the wanted types, in source order."""

    def __init__(self, wanted: tuple[type[cst.CSTNode], ...], where: Callable[[cst.CSTNode], bool]) -> None:
        self.wanted, self.where = wanted, where
        self.found: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, self.wanted) and self.where(node):
            self.found.append(node)
        return True


def _nodes(
    module: cst.CSTNode, *wanted: type[cst.CSTNode], where: Callable[[cst.CSTNode], bool] = lambda _: True
) -> list[cst.CSTNode]:
    collector = _Collector(wanted, where)
    module.visit(collector)
    return collector.found


class _Replace(cst.CSTTransformer):
    """Replace nodes (by identity) with what `replacements` maps them to, after their children were rewritten."""

    def __init__(self, replacements: dict[int, Callable[[cst.CSTNode], Any]]) -> None:
        self.replacements = replacements

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        replace = self.replacements.get(id(original_node))
        return replace(updated_node) if replace is not None else updated_node


def _replace(module: cst.Module, node: cst.CSTNode, replace: Callable[[Any], Any]) -> cst.Module:
    result = module.visit(_Replace({id(node): replace}))
    assert isinstance(result, cst.Module)
    return result


def _blocks(module: cst.Module) -> list[cst.CSTNode]:
    return [module, *_nodes(module, cst.IndentedBlock)]


def shuffle_statements(draw: Draw, module: cst.Module) -> cst.Module:
    """Permute the statements of one block."""
    blocks = [block for block in _blocks(module) if len(block.body) > 1]  # type: ignore[attr-defined]
    if not blocks:
        return module
    block = _pick(draw, blocks)
    order = draw(st.permutations(range(len(block.body))))
    return _replace(module, block, lambda node: node.with_changes(body=[node.body[index] for index in order]))


def move_statement(draw: Draw, module: cst.Module) -> cst.Module:
    """Move one statement of a block (of two or more) into another block, or elsewhere in its own."""
    sources = [block for block in _blocks(module) if len(block.body) > 1]  # type: ignore[attr-defined]
    if not sources:
        return module
    source = _pick(draw, sources)
    statement = _pick(draw, source.body)
    taken = _replace(module, statement, lambda _: cst.RemovalSentinel.REMOVE)
    targets = _blocks(taken)
    target = _pick(draw, targets)
    position = draw(st.integers(0, len(target.body)))  # type: ignore[attr-defined]

    def insert(node: Any) -> Any:
        return node.with_changes(body=[*node.body[:position], statement, *node.body[position:]])

    return _replace(taken, target, insert)


def remove_await(draw: Draw, module: cst.Module) -> cst.Module:
    """Remove one `await` (or the `async` of one `async with` / `async for`)."""
    nodes = _nodes(module, cst.Await, cst.With, cst.For, where=lambda node: _is_async(node))
    if not nodes:
        return module
    node = _pick(draw, nodes)
    if isinstance(node, cst.Await):
        return _replace(
            module,
            node,
            lambda updated: updated.expression.with_changes(
                lpar=[*updated.lpar, *updated.expression.lpar], rpar=[*updated.expression.rpar, *updated.rpar]
            ),
        )
    return _replace(module, node, lambda updated: updated.with_changes(asynchronous=None))


def _is_async(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Await) or getattr(node, "asynchronous", None) is not None


_BARE_AWAIT_PARENTS = (cst.Expr, cst.Assign, cst.AnnAssign, cst.Return, cst.Arg, cst.WithItem, cst.AugAssign)


def add_await(draw: Draw, module: cst.Module) -> cst.Module:
    """Await one call (sometimes a name or an attribute) that is not awaited yet."""
    parents: dict[int, cst.CSTNode] = {}

    class Parents(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            for child in node.children:
                parents[id(child)] = node
            return True

    module.visit(Parents())

    def awaitable(node: cst.CSTNode) -> bool:
        parent = parents.get(id(node))
        if isinstance(parent, (cst.Await, cst.ImportAlias, cst.ImportFrom, cst.Import)):
            return False
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            return False
        named = isinstance(parent, (cst.Param, cst.FunctionDef, cst.ClassDef, cst.Arg))
        return not named or node is getattr(parent, "value", None)

    wanted = draw(st.sampled_from([(cst.Call,), (cst.Call, cst.Name, cst.Attribute)]))
    candidates = _nodes(module, *wanted, where=awaitable)
    if not candidates:
        return module
    node = _pick(draw, candidates)
    bare = isinstance(parents.get(id(node)), _BARE_AWAIT_PARENTS)

    def wrap(updated: Any) -> Any:
        if bare:
            return cst.Await(updated)
        return cst.Await(updated, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])

    return _replace(module, node, wrap)


def toggle_async(draw: Draw, module: cst.Module) -> cst.Module:
    """`def` <-> `async def`; with a smaller chance `with` <-> `async with`, `for` <-> `async for`."""
    kinds = draw(st.sampled_from([(cst.FunctionDef,), (cst.FunctionDef, cst.With, cst.For)]))
    nodes = _nodes(module, *kinds)
    if not nodes:
        return module
    node = _pick(draw, nodes)
    toggled = None if getattr(node, "asynchronous", None) is not None else cst.Asynchronous()
    return _replace(module, node, lambda updated: updated.with_changes(asynchronous=toggled))


SESSION_WORDS = ("session", "db", "sess", "conn", "engine", "Session", "factory", "maker", "s")
NEW_NAMES = (
    "db",
    "session",
    "s",
    "sessión",
    "セッション",
    "データベース",
    "δb",
    "_session",
    "session2",
    "conn",
    "engine",
    "self",
    "result",
    "user",
    "AsyncSession",
    "Session",
    "select",
    "Depends",
    "get_db",
    "session".translate({code: code + 0xFEE0 for code in range(0x21, 0x7F)}),  # fullwidth: `session` to Python
)
_KEYWORDS = frozenset(keyword.kwlist)


def rename(draw: Draw, module: cst.Module) -> cst.Module:
    """Rename every occurrence of one name (session-like names first) to a new, non-ASCII or already used name."""
    names = sorted({node.value for node in _nodes(module, cst.Name)})  # type: ignore[attr-defined]
    if not names:
        return module
    names.sort(key=lambda name: not any(word in name for word in SESSION_WORDS))
    old = _pick(draw, names)
    new = draw(st.sampled_from([*NEW_NAMES, *names, old + "_", old + "ё"]))
    if new == old or new in _KEYWORDS:
        return module

    class Renamer(cst.CSTTransformer):
        def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
            return updated_node.with_changes(value=new) if updated_node.value == old else updated_node

    return module.visit(Renamer())


LOADERS = frozenset(
    {"selectinload", "joinedload", "subqueryload", "immediateload", "lazyload", "noload", "raiseload", "defaultload"}
)
INTERESTING_KEYWORDS = frozenset(
    {"lazy", "expire_on_commit", "response_model", "class_", "server_default", "server_onupdate", "eager_defaults"}
)


def _call_name(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Call):
        node = node.func
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else ""


def drop_loader_option(draw: Draw, module: cst.Module) -> cst.Module:
    """Drop a `.options(...)` call, one of its options, a chained loader, or a keyword argument (`lazy=`,
    `expire_on_commit=` ... first)."""
    options = _nodes(module, cst.Call, where=lambda node: _call_name(node) in ({"options"} | LOADERS))
    keywords = _nodes(module, cst.Arg, where=lambda node: node.keyword is not None)  # type: ignore[attr-defined]
    keywords.sort(key=lambda arg: arg.keyword.value not in INTERESTING_KEYWORDS)  # type: ignore[attr-defined]
    kind = draw(st.integers(0, 2))
    if kind < 2 and options:
        call = _pick(draw, options)
        assert isinstance(call, cst.Call)
        if kind == 1 and len(call.args) > 1:  # one option of several
            index = draw(st.integers(0, len(call.args) - 1))
            kept = [arg for position, arg in enumerate(call.args) if position != index]
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return _replace(module, call, lambda updated: updated.with_changes(args=kept))
        if isinstance(call.func, cst.Attribute):  # `query.options(...)` -> `query`
            return _replace(module, call, lambda updated: updated.func.value)
        return module
    if not keywords:
        return module
    arg = _pick(draw, keywords)
    return _replace(module, arg, lambda _: cst.RemovalSentinel.REMOVE)


COMMENTS = (
    "# héllo wörld",
    "# 日本語のコメント",
    "# 🐍🐍 emoji",
    "# e\u0301 combining",
    "# \U0001d518\U0001d52b\U0001d526 fraktur",
    "# noqa",
    "# noqa: GL002",
    "# type: ignore",
    "# fmt: off",
    "# \u202e bidi override",
)
STATEMENTS = ('_ = "日本🐍"', "ü = 1", "_ = '\\u00e9'", "\U0001d535 = 'x'")


def insert_non_ascii(draw: Draw, module: cst.Module) -> cst.Module:
    """A non-ASCII comment on its own line or after a statement, or a non-ASCII statement before one."""
    lines = _nodes(module, cst.SimpleStatementLine, cst.BaseCompoundStatement)
    if not lines:
        return module
    line = _pick(draw, lines)
    kind = draw(st.integers(0, 2))
    comment = cst.Comment(draw(st.sampled_from(COMMENTS)))
    if kind == 0:
        empty = cst.EmptyLine(comment=comment)
        return _replace(
            module, line, lambda updated: updated.with_changes(leading_lines=[*updated.leading_lines, empty])
        )
    if not isinstance(line, cst.SimpleStatementLine):
        return module
    if kind == 1:
        if line.trailing_whitespace.comment is not None:
            return module
        trailing = cst.TrailingWhitespace(whitespace=cst.SimpleWhitespace("  "), comment=comment)
        return _replace(module, line, lambda updated: updated.with_changes(trailing_whitespace=trailing))
    statement = cst.parse_statement(draw(st.sampled_from(STATEMENTS)))
    assert isinstance(statement, cst.SimpleStatementLine)
    first = statement.body[0].with_changes(semicolon=cst.Semicolon(whitespace_after=cst.SimpleWhitespace(" ")))
    return _replace(module, line, lambda updated: updated.with_changes(body=[first, *updated.body]))


def one_line_suite(draw: Draw, module: cst.Module) -> cst.Module:
    """Put a block of simple statements on its header's line: `def f(): a; b`."""
    blocks = _nodes(
        module,
        cst.IndentedBlock,
        where=lambda node: all(isinstance(line, cst.SimpleStatementLine) for line in node.body),  # type: ignore[attr-defined]
    )
    if not blocks:
        return module
    block = _pick(draw, blocks)
    assert isinstance(block, cst.IndentedBlock)
    smalls = [small for line in block.body for small in line.body]  # type: ignore[attr-defined]
    smalls = [small.with_changes(semicolon=cst.MaybeSentinel.DEFAULT) for small in smalls]
    suite = cst.SimpleStatementSuite(body=smalls)
    return _replace(module, block, lambda _: suite)


WRAPPERS = (
    "if flag:\n    pass\n",
    "try:\n    pass\nexcept Exception:\n    raise\n",
    "for _ in range(1):\n    pass\n",
    "while True:\n    pass\n",
    "with lock:\n    pass\n",
    "async with session.begin():\n    pass\n",
    "with session.begin():\n    pass\n",
    "async for _ in stream():\n    pass\n",
    "def inner():\n    pass\n",
    "async def inner():\n    pass\n",
    "class Inner:\n    pass\n",
    "if TYPE_CHECKING:\n    pass\nelse:\n    pass\n",
)


def wrap_in_block(draw: Draw, module: cst.Module) -> cst.Module:
    """Put one statement inside an `if`, `try`, loop, `with`, nested function or class."""
    statements = [statement for block in _blocks(module) for statement in block.body]  # type: ignore[attr-defined]
    if not statements:
        return module
    statement = _pick(draw, statements)
    template = cst.parse_statement(draw(st.sampled_from(WRAPPERS)))
    assert isinstance(template, cst.BaseCompoundStatement)

    def wrap(updated: Any) -> Any:
        inner = updated.with_changes(leading_lines=())
        body = template.body.with_changes(body=[inner])
        return template.with_changes(body=body, leading_lines=updated.leading_lines)

    return _replace(module, statement, wrap)


def split_lines_inside(draw: Draw, module: cst.Module) -> cst.Module:
    """Break a line inside a call's parentheses (after a non-ASCII comment) or with a backslash after `await`,
    `=` or `return`."""
    kind = draw(st.integers(0, 1))
    if kind == 0:
        calls = _nodes(module, cst.Call, where=lambda node: bool(node.args))  # type: ignore[attr-defined]
        if not calls:
            return module
        comment = cst.Comment(draw(st.sampled_from(COMMENTS)))
        broken = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(whitespace=cst.SimpleWhitespace("  "), comment=comment),
            indent=True,
            last_line=cst.SimpleWhitespace("    "),
        )
        return _replace(module, _pick(draw, calls), lambda node: node.with_changes(whitespace_before_args=broken))
    nodes = _nodes(module, cst.Await, cst.Assign, cst.Return)
    if not nodes:
        return module
    node = _pick(draw, nodes)
    continuation = cst.SimpleWhitespace(" \\\n        ")
    if isinstance(node, cst.Await):
        return _replace(module, node, lambda updated: updated.with_changes(whitespace_after_await=continuation))
    if isinstance(node, cst.Assign):
        return _replace(
            module,
            node,
            lambda updated: updated.with_changes(
                targets=[*updated.targets[:-1], updated.targets[-1].with_changes(whitespace_after_equal=continuation)]
            ),
        )
    if isinstance(node, cst.Return) and node.value is not None:
        return _replace(module, node, lambda updated: updated.with_changes(whitespace_after_return=continuation))
    return module


EXPRESSION_WRAPPERS = (
    "lambda: {}",
    "[{} for _ in range(2)]",
    "({} for _ in range(2))",
    "{{_: {} for _ in range(2)}}",
    "{} if flag else None",
    "(_walrus := {})",
    'f"{{{}}}"',
    "[{}]",
    "({},)",
    "not {}",
    "{} or None",
    "print({})",
    "({}).value",
    "({})[0]",
    "({})()",
    "[*{}]",
    "{{**{}}}",
)


def wrap_expression(draw: Draw, module: cst.Module) -> cst.Module:
    """Use one call (or awaited call) differently: in a lambda, a comprehension, an f-string, an operand ..."""
    calls = _nodes(module, cst.Call, cst.Await)
    if not calls:
        return module
    node = _pick(draw, calls)
    template = draw(st.sampled_from(EXPRESSION_WRAPPERS))

    def wrap(updated: Any) -> Any:
        code = cst.Module([]).code_for_node(updated.with_changes(lpar=[], rpar=[]))
        if "\n" in code or "{" in code or '"' in code:  # keep the template's quoting and braces simple
            return updated
        return cst.parse_expression(template.format(code)).with_changes(lpar=updated.lpar, rpar=updated.rpar)

    return _replace(module, node, wrap)


SESSION_EVENTS = (
    "await {s}.commit()",
    "await {s}.refresh({v})",
    "await {s}.flush()",
    "await {s}.rollback()",
    "{s}.expire({v})",
    "await {s}.close()",
    "{s}.expunge({v})",
    "{s}.add({v})",
    "await {s}.delete({v})",
    "{v}.{a} = {v}.{a}",
    "_ = {v}.{a}",
    "await {s}.refresh({v}, [{a!r}])",
    "{v} = await {s}.merge({v})",
    "async with {s}.begin():\n    pass",
)


def insert_session_event(draw: Draw, module: cst.Module) -> cst.Module:
    """A commit, refresh, flush, rollback, expire, read or write of the function's own session and variables,
    somewhere in a function: the instance-state rules (GL103, GL104 ...) see new orders of events."""
    functions = _nodes(module, cst.FunctionDef, where=lambda node: isinstance(node.body, cst.IndentedBlock))  # type: ignore[attr-defined]
    if not functions:
        return module
    function = _pick(draw, functions)
    names = sorted({node.value for node in _nodes(function, cst.Name)} - _KEYWORDS)  # type: ignore[attr-defined]
    sessions = [name for name in names if any(word in name.lower() for word in ("session", "db", "sess"))]
    attributes = sorted({node.attr.value for node in _nodes(function, cst.Attribute)})  # type: ignore[attr-defined]
    if not sessions or not names:
        return module
    code = draw(st.sampled_from(SESSION_EVENTS)).format(
        s=_pick(draw, sessions), v=_pick(draw, names), a=_pick(draw, attributes) if attributes else "id"
    )
    statement = cst.parse_statement(code + "\n")
    blocks = _nodes(function, cst.IndentedBlock)
    block = _pick(draw, blocks)
    position = draw(st.integers(0, len(block.body)))  # type: ignore[attr-defined]

    def insert(node: Any) -> Any:
        return node.with_changes(body=[*node.body[:position], statement, *node.body[position:]])

    return _replace(module, block, insert)


TREE_MUTATIONS: tuple[Callable[[Draw, cst.Module], cst.Module], ...] = (
    remove_await,
    add_await,
    toggle_async,
    rename,
    drop_loader_option,
    shuffle_statements,
    move_statement,
    insert_non_ascii,
    one_line_suite,
    wrap_in_block,
    split_lines_inside,
    wrap_expression,
    insert_session_event,
)


def with_tabs(text: str) -> str:
    """Indent with tabs instead of groups of four spaces (strings' continuation lines change too: harmless)."""
    lines = text.splitlines(keepends=True)
    out = []
    for line in lines:
        stripped = line.lstrip(" ")
        depth = (len(line) - len(stripped)) // 4
        out.append("\t" * depth + line[depth * 4 :])
    return "".join(out)


def with_crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def mutate(draw: Draw, text: str, count: int) -> str:
    """`count` mutations of `text`; a mutation whose result does not parse (or changes nothing) is skipped."""
    for _ in range(count):
        mutation = draw(st.sampled_from(TREE_MUTATIONS))
        module = cst.parse_module(text)
        try:
            new = mutation(draw, module).code
        except (cst.CSTValidationError, cst.ParserSyntaxError, TypeError, ValueError):
            continue  # e.g. an `await` where libcst refuses one, a template filled with a keyword
        if new != text and _parses(new):
            text = new
    return text


def layout(draw: Draw, text: str) -> str:
    """Tabs, no final line break and CRLF line endings, each sometimes."""
    if draw(st.integers(0, 4)) == 0:
        tabbed = with_tabs(text)
        if _parses(tabbed):
            text = tabbed
    if draw(st.integers(0, 5)) == 0:
        text = text.rstrip("\n")  # no line break at the end
    if draw(st.integers(0, 2)) == 0:
        text = with_crlf(text)
    return text


@functools.cache
def buggy_seeds() -> list[str]:
    """The seeds with findings (or `# expect:` markers, which the workspace tests satisfy)."""
    return [seed for seed in SEEDS if "# expect:" in seed or analyze(seed, ALL_RULES).findings]


def pick_seed(draw: Draw) -> str:
    """A seed with findings two times out of three, else any seed."""
    return _pick(draw, buggy_seeds() if draw(st.integers(0, 2)) else SEEDS)


def splice(draw: Draw, text: str) -> str:
    """Sometimes another seed's statements after (or before) the text's: models, factories and routes of
    different examples meet, and names collide."""
    if draw(st.integers(0, 3)):
        return text
    other = pick_seed(draw)
    first, second = (text, other) if draw(st.booleans()) else (other, text)
    return first + ("" if first.endswith("\n") else "\n") + second


@st.composite
def mutated_seeds(draw: Draw) -> str:
    text = splice(draw, pick_seed(draw))
    return layout(draw, mutate(draw, text, draw(st.integers(1, 6))))


HEADER = """\
from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, selectinload, sessionmaker

"""


GENERATED = st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node())


@st.composite
def generated_modules(draw: Draw) -> str:
    """A hypothesmith module (from the grammar or from libcst nodes) after imports that make the rules run,
    sometimes appended to a (mutated) seed."""
    generated = draw(GENERATED)
    if draw(st.booleans()):
        prefix = HEADER
    else:
        prefix = mutate(draw, pick_seed(draw), draw(st.integers(0, 2)))
        prefix += "" if prefix.endswith("\n") else "\n"
    return layout(draw, prefix + generated)


@st.composite
def shop_workspaces(draw: Draw) -> tuple[dict[str, str], str]:
    """examples/shop with one to three of its modules mutated (relative path -> new text), and the module to
    check: a mutated one two times out of three, else any."""
    modules = [path.relative_to(SHOP).as_posix() for path in SHOP_MODULES]
    changed: dict[str, str] = {}
    for _ in range(draw(st.integers(1, 3))):
        name = _pick(draw, modules)
        text = changed.get(name) or (SHOP / name).read_text(encoding="utf-8")
        changed[name] = mutate(draw, text, draw(st.integers(1, 3)))
    for name, text in changed.items():
        changed[name] = layout(draw, text)
    target = _pick(draw, sorted(changed) if draw(st.integers(0, 2)) else modules)
    return changed, target


def shop_copy(directory: Path, changed: dict[str, str]) -> WorkspaceIndex:
    """A copy of examples/shop in `directory` with the changed modules, and its workspace index."""
    shutil.copytree(SHOP, directory, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in changed.items():
        (directory / name).write_bytes(text.encode("utf-8"))  # as is: CRLF stays CRLF
    index = WorkspaceIndex()
    index.add_all(sorted(directory.rglob("*.py")))
    return index


# -- properties ----------------------------------------------------------------------------------------------


def syntax_level(text: str) -> int:
    """2: compiles; 1: parses (libcst and ast) but does not compile; 0: does not parse."""
    try:
        cst.parse_module(text)
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError, cst.ParserSyntaxError):
        return 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, "<fuzz>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return 1
    return 2


def offered(finding: Finding) -> list[Fix]:
    """Every fix a finding offers: its own (safe or unsafe) and its alternatives (editors only)."""
    return ([finding.fix] if finding.fix is not None else []) + list(finding.alternatives)


def has_bare_newline(text: str) -> bool:
    return text.count("\n") != text.count("\r\n")


def check_line_endings(before: str, after: str, what: str) -> None:
    """A CRLF text stays CRLF; a text without carriage returns gets none."""
    if not has_bare_newline(before):
        assert not has_bare_newline(after), f"{what}: added a line ending in \\n to a CRLF file"
    if "\r" not in before:
        assert "\r" not in after, f"{what}: added a carriage return"


class OffsetMap:
    """Maps offsets of a fixed text back to the text before the fix: the text between edits, and the characters
    an edit kept (difflib), map exactly; an offset inside new text maps to the nearest kept character before it
    (a range's start) or after it (a range's end)."""

    def __init__(self, old: str, edits: Sequence[Edit]) -> None:
        self.kept: list[tuple[int, int, int]] = []  # (old start, new start, length) of unchanged text
        old_cursor = new_cursor = 0
        for edit in sorted(edits, key=lambda edit: edit.start):
            self.kept.append((old_cursor, new_cursor, edit.start - old_cursor))
            new_cursor += edit.start - old_cursor
            matcher = difflib.SequenceMatcher(None, old[edit.start : edit.end], edit.new_text, autojunk=False)
            for block in matcher.get_matching_blocks():
                if block.size:
                    self.kept.append((edit.start + block.a, new_cursor + block.b, block.size))
            old_cursor, new_cursor = edit.end, new_cursor + len(edit.new_text)
        self.kept.append((old_cursor, new_cursor, len(old) - old_cursor))

    def back(self, offset: int, *, end: bool) -> int:
        previous = 0  # the old offset after the last kept text before `offset`
        for old_start, new_start, length in self.kept:
            inside = new_start < offset <= new_start + length if end else new_start <= offset < new_start + length
            if inside:
                return old_start + offset - new_start
            if (new_start + length < offset) if end else (new_start + length <= offset):
                previous = old_start + length
            else:
                return old_start if end else previous
        return previous


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


SAVED_AS = Path("fuzzed/module.py")  # a file's path (not on disk): its module is `module`


@dataclass(frozen=True, eq=False)
class Workspace:
    index: WorkspaceIndex | None = None
    path: Path | None = None

    def analyze(self, text: str) -> Analysis:
        return analyze(text, ALL_RULES, index=self.index, path=self.path)

    def fix_text(self, text: str, *, unsafe: bool) -> str:
        return fix_text(text, ALL_RULES, unsafe=unsafe, index=self.index, path=self.path).text


def describe(finding: Finding) -> str:
    return f"{finding.code} at {finding.start.line}:{finding.start.column}-{finding.end.line}:{finding.end.column}"


def check_ranges(text: str, analysis: Analysis) -> None:
    lines = LineIndex(text)
    utf16 = PositionMap(text, "utf-16")
    for finding in analysis.findings:
        assert 0 <= finding.start_offset < finding.end_offset <= len(text), f"{describe(finding)}: empty or outside"
        assert finding.start == lines.position(finding.start_offset), describe(finding)
        assert finding.end == lines.position(finding.end_offset), describe(finding)
        assert text[finding.start_offset : finding.end_offset].strip(), f"{describe(finding)}: only whitespace"
        utf16.offset_range(finding.start_offset, finding.end_offset)
        for related in finding.related:
            if related.path is None:
                where = lines
            elif Path(related.path).is_file():  # in another module of the workspace: inside that file's text
                where = LineIndex(Path(related.path).read_bytes().decode("utf-8"))
            else:
                raise AssertionError(f"{describe(finding)}: related location in a missing file {related.path}")
            for position in (related.start, related.end):
                assert 1 <= position.line <= len(where.starts), f"{describe(finding)}: related {related}"
                assert 1 <= position.column <= len(where.line_text(position.line)) + 1, related
            assert (related.start.line, related.start.column) <= (related.end.line, related.end.column), related


def check_fix(text: str, level: int, analysis: Analysis, finding: Finding, fix: Fix, space: Workspace) -> None:
    """One fix applied alone: parses and compiles (as far as the original did), removes its finding, and adds no
    finding of the same code where it changed the text."""
    what = f"{describe(finding)}: fix {fix.message!r}"
    fixed = analysis.fixed_text([fix])
    edits = analysis.edits([fix])
    assert apply_edits(text, edits) == fixed, what
    if fix.external is not None:
        other = Path(fix.external.path)
        if other.is_file():
            current = other.read_bytes().decode("utf-8")
            rewritten = fix.external.rewrite(current)
            assert rewritten != current, f"{what}: changes nothing in {other}"
            assert syntax_level(rewritten) >= syntax_level(current), f"{what}: breaks {other}:\n{rewritten}"
        if fixed == text:
            return
    assert fixed != text, f"{what}: changes nothing"
    assert syntax_level(fixed) >= level, f"{what}: does not {'compile' if level == 2 else 'parse'}:\n{fixed}"
    check_line_endings(text, fixed, what)
    after = space.analyze(fixed)
    assert after.failures == [], f"{what}: {after.failures}"
    assert after.syntax_error is None, what
    claimed = [
        (other.start_offset, other.end_offset)
        for other in analysis.findings
        if other.code == finding.code and other is not finding
    ]
    changed = [(edit.start, edit.end) for edit in edits]
    offsets = OffsetMap(text, edits)
    for new in after.findings:
        if new.code != finding.code:
            continue
        span = (offsets.back(new.start_offset, end=False), offsets.back(new.end_offset, end=True))
        if span in claimed:
            claimed.remove(span)  # another finding of the same code, still there
            continue
        here = _overlaps(span, (finding.start_offset, finding.end_offset)) or any(_overlaps(span, c) for c in changed)
        assert not here, f"{what}: leaves {describe(new)} ({new.message}) in:\n{fixed}"


def check_module(text: str, space: Workspace | None = None) -> Analysis:
    """Every property of one module; returns its analysis."""
    space = space or Workspace()
    analysis = space.analyze(text)
    assert analysis.failures == [], analysis.failures
    check_ranges(text, analysis)
    if analysis.module is None:
        return analysis
    if space.path is None:  # a saved file (with a path, so a module name) gets what an untitled document gets
        saved = Workspace(path=SAVED_AS).analyze(text)
        assert list(map(describe, saved.findings)) == list(map(describe, analysis.findings)), "with a path"
    level = syntax_level(text)
    for finding in analysis.findings:
        for fix in offered(finding):
            check_fix(text, level, analysis, finding, fix, space)
    for unsafe in (True, False):
        once = space.fix_text(text, unsafe=unsafe)
        assert syntax_level(once) >= level, f"fix_text(unsafe={unsafe}) does not compile:\n{once}"
        check_line_endings(text, once, f"fix_text(unsafe={unsafe})")
        twice = space.fix_text(once, unsafe=unsafe)
        assert twice == once, f"fix_text(unsafe={unsafe}) is not idempotent:\n{once}\n-- then --\n{twice}"
    return analysis


ENCODINGS = ("utf-8", "utf-8-sig", "latin-1", "utf-16")


def check_file(text: str, encoding: str, directory: Path) -> None:
    """`Checker.check` and `Checker.fix` on the text saved in `encoding` (with a coding cookie where Python needs
    one): no internal error, and the fixed file is written back in the same encoding with the fixed text."""
    if encoding in ("latin-1", "utf-16"):
        text = f"# -*- coding: {encoding} -*-\n" + text
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return
    path = directory / "module.py"
    path.write_bytes(data)
    checker = Checker(use_cache=False, with_edits=True)
    file = SourceFile(path, "module.py")
    checked = checker.check(file)
    assert not any("internal error" in error for error in checked.errors), checked.errors
    if encoding == "utf-16":  # Python cannot read UTF-16 source: an error, reported
        assert checked.errors
        assert "cannot decode" in checked.errors[0]
        return
    fixed = checker.fix(file, unsafe=True, write=True)
    assert not any("internal error" in error for error in fixed.errors), fixed.errors
    expected = fix_text(text, ALL_RULES, unsafe=True).text
    assert path.read_bytes() == expected.encode(encoding), "the written file differs from fix_text's text"
