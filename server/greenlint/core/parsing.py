"""Parsing a text with libcst: guarded by Python's own parser (nesting that would crash libcst), whose syntax
errors are the ones reported."""

from __future__ import annotations

import ast
import re
import warnings
from dataclasses import dataclass

import libcst as cst

from greenlint.core.source import Position


@dataclass(frozen=True)
class SyntaxProblem:
    """Why a text could not be parsed, at a 1-based line and column.

    `syntax` is False when the code may well be valid but is beyond what greenlint can check (nested too deeply).
    """

    message: str
    position: Position
    syntax: bool = True

    @property
    def headline(self) -> str:
        """The message's first line, as a log line or an error line shows it."""
        return self.message.splitlines()[0] if self.message else ""


MAX_DEPTH = 200  # syntax-tree levels greenlint checks; real code stays under 80, Python's parser stops near 3000
ESTIMATED_MAX_DEPTH = 1000  # for code this Python cannot parse: libcst crashes past several thousand levels
_PYTHON_TOO_DEEP = re.compile(r"too many (nested parentheses|levels of indentation|statically nested blocks)")
# What makes libcst's trees deep without brackets: operators, keywords that chain, adjacent strings (an estimate).
_TOKEN = re.compile(
    r"(?P<string>[rRbBuUfFtT]{0,2}(?:\x27\x27\x27[\s\S]*?\x27\x27\x27|\x22\x22\x22[\s\S]*?\x22\x22\x22"
    r"|\x27(?:\\.|[^\x27\\\n])*\x27|\x22(?:\\.|[^\x22\\\n])*\x22))"
    r"|(?P<comment>#[^\r\n]*)|(?P<continuation>\\\r?\n?)|(?P<open>[(\[{])|(?P<close>[)\]}])|(?P<separator>[,;\r\n])"
    r"|(?P<elif>\belif\b)"
    r"|(?P<operator>\*\*|//|<<|>>|[-+*/%@&|^~<>!=]|\.|\b(?:and|or|not|lambda|if|else|await|in|is|yield|for)\b)"
)
PYTHON_MAX_NESTING = 200  # the tokenizer's limit on nested brackets (libcst's native parser crashes past it)


def too_deep(levels: int) -> str:
    return f"nested too deeply to check (more than {levels} levels)"


def python_view(text: str) -> tuple[SyntaxProblem | None, SyntaxProblem | None]:
    """What Python's own parser says of `text`: (why it is too deeply nested to check, its syntax error).

    libcst's native parser crashes the process (stack overflow) on a few thousand nested levels, and takes
    minutes on fewer; Python's parser is guarded. So Python parses first (errors about nesting are its errors),
    and its tree's depth is measured. Code this Python cannot parse (newer syntax, or a syntax error) gets a
    conservative estimate from its tokens instead; libcst then decides whether it parses.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like: not greenlint's findings
            tree = ast.parse(text)
    except SyntaxError as error:
        if "\0" in text and "null bytes" in (error.msg or ""):  # Python says where only since 3.12
            problem = SyntaxProblem("source code cannot contain null bytes", _position(text, text.find("\0")))
        else:
            problem = SyntaxProblem(error.msg, Position(error.lineno or 1, error.offset or 1))
        if _PYTHON_TOO_DEEP.search(error.msg or ""):
            return problem, problem
        return _estimated_depth_problem(text), problem
    except (RecursionError, MemoryError):  # Python's parser refuses (it overflows near 3000 levels)
        return SyntaxProblem(too_deep(MAX_DEPTH), Position(1, 1), syntax=False), None
    except ValueError as error:  # null bytes (before Python 3.12), lone surrogates (`# coding: unicode_escape`)
        if "\0" in text:
            problem = SyntaxProblem("source code cannot contain null bytes", _position(text, text.find("\0")))
        else:
            problem = SyntaxProblem(" ".join(str(error).split()), Position(1, 1))
        return _estimated_depth_problem(text), problem
    deepest = _deeper_than_allowed(tree)
    if deepest is None:
        return None, None
    line, column = getattr(deepest, "lineno", 1), getattr(deepest, "col_offset", 0) + 1
    return SyntaxProblem(too_deep(MAX_DEPTH), Position(line, column), syntax=False), None


SHORT = 60  # bytes: a node on one line this short nests less than 2 * SHORT levels below it (each level takes a
# character at least, and one more for the leaves without one: `Load`, `Add`), so its subtree is not walked


def _deeper_than_allowed(tree: ast.AST) -> ast.AST | None:
    """A node deeper than MAX_DEPTH in libcst's terms (`a and b and c` nests there), without recursing; its nearest
    node that has a place is returned."""
    stack: list[tuple[ast.AST, int, ast.AST]] = [(tree, 1, tree)]
    while stack:
        node, depth, located = stack.pop()
        if depth > MAX_DEPTH:
            return located
        end = getattr(node, "end_col_offset", None)
        if end is not None:
            located = node
            if (
                depth + 2 * SHORT <= MAX_DEPTH
                and node.lineno == node.end_lineno  # type: ignore[attr-defined]
                and end - node.col_offset <= SHORT  # type: ignore[attr-defined]
            ):
                continue
        step = len(node.values) - 1 if isinstance(node, ast.BoolOp) else 1
        stack.extend((child, depth + step, located) for child in ast.iter_child_nodes(node))
    return None


def _estimated_depth_problem(text: str) -> SyntaxProblem | None:
    """An upper bound of the nesting from the tokens: operators between separators, per bracket level, summed
    over the open brackets, and every `elif` of the file."""
    levels = [0]
    total = 0  # operators and strings counted in `levels`, plus the `elif`s
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("string", "operator"):
            levels[-1] += 1
            total += 1
        elif kind == "elif":
            total += 1
        elif kind == "open":
            levels.append(0)
            if len(levels) > PYTHON_MAX_NESTING + 1:
                return SyntaxProblem("too many nested parentheses", _position(text, match.start()))
        elif kind == "close" and len(levels) > 1:
            total -= levels.pop()
        elif kind == "separator" and (match.group() not in "\r\n" or len(levels) == 1):
            total -= levels[-1]
            levels[-1] = 0
        if total + len(levels) > ESTIMATED_MAX_DEPTH:
            return SyntaxProblem(too_deep(ESTIMATED_MAX_DEPTH), _position(text, match.start()), syntax=False)
    return None


def _position(text: str, offset: int) -> Position:
    return Position(text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset))


def parse(text: str) -> cst.Module | SyntaxProblem:
    """The module, or why it does not parse (or is too deeply nested to check).

    A syntax error is Python's own (message and place), as the interpreter would report it; libcst's are vaguer.
    """
    deep, python_error = python_view(text)
    if deep is not None:
        return deep
    if python_error is not None and "\0" in text and "null bytes" in python_error.message:
        return python_error  # libcst takes them in strings and comments; no Python since 3.12 compiles them
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        if python_error is not None:
            return python_error
        # valid code that libcst gives up on (thousands of adjacent strings)
        position = Position(error.raw_line, error.raw_column + 1)
        message = error.message.splitlines()[0] if error.message else ""
        return SyntaxProblem(f"libcst cannot parse this valid code: {message}", position, syntax=False)
    except cst.CSTValidationError as error:  # valid code libcst cannot represent: `x()in(y)`
        return python_error or SyntaxProblem(
            f"libcst cannot represent this valid code: {error}", Position(1, 1), syntax=False
        )
    except (RecursionError, MemoryError, ValueError) as error:
        return python_error or SyntaxProblem(f"cannot parse: {type(error).__name__}", Position(1, 1))
