"""Parsing a text with libcst, with Python's own error for what libcst cannot parse."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import libcst as cst

from greenlint.core.source import Position


@dataclass(frozen=True)
class SyntaxProblem:
    """Why a text could not be parsed, at a 1-based line and column."""

    message: str
    position: Position


_NOT_BRACKETS = re.compile(r"[^()\[\]{}]+")
PYTHON_MAX_NESTING = 200  # the tokenizer's limit on nested brackets


def nesting_problem(text: str) -> SyntaxProblem | None:
    """Python's own error for brackets nested deeper than it allows (libcst's native parser would crash).

    Counting brackets in strings too can only overestimate, so Python's parser decides past the limit.
    """
    depth = deepest = 0
    for char in _NOT_BRACKETS.sub("", text):
        depth += 1 if char in "([{" else -1
        deepest = max(deepest, depth)
    if deepest <= PYTHON_MAX_NESTING:
        return None
    try:
        ast.parse(text)
    except SyntaxError as error:
        return SyntaxProblem(error.msg, Position(error.lineno or 1, error.offset or 1))
    except (RecursionError, MemoryError, ValueError):
        return SyntaxProblem("nested too deeply to parse", Position(1, 1))
    return None


def parse(text: str) -> cst.Module | SyntaxProblem:
    """The module, or why it does not parse."""
    too_deep = nesting_problem(text)
    if too_deep is not None:
        return too_deep
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        return SyntaxProblem(error.message, Position(error.raw_line, error.raw_column + 1))
    except (RecursionError, MemoryError, ValueError) as error:
        return SyntaxProblem(f"cannot parse: {type(error).__name__}", Position(1, 1))
