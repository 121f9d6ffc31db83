"""Character offsets of a few CST nodes, computed by one code-generation pass that stops early.

libcst's PositionProvider records a range for every node (about 2x the cost of parsing); findings need the
ranges of a handful of nodes, so this pass only counts characters and records the nodes it is asked for,
and stops as soon as the last of them has been generated.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import libcst as cst
from libcst._nodes.internal import CodegenState


class _AllFound(Exception):
    """Raised inside code generation once every wanted node has been generated."""


@dataclass
class _OffsetState(CodegenState):
    wanted: dict[int, cst.CSTNode] = field(default_factory=dict)
    offset: int = 0
    starts: dict[int, int] = field(default_factory=dict)
    ranges: dict[int, tuple[int, int]] = field(default_factory=dict)
    syntactic: dict[int, tuple[int, int]] = field(default_factory=dict)

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.offset += len(token)

    def add_token(self, value: str) -> None:
        self.offset += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        if id(node) in self.wanted:
            self.starts[id(node)] = self.offset

    @contextmanager
    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> Iterator[None]:
        """Expressions generate their parentheses outside this block: keep the range inside them."""
        key = id(node)
        start = self.offset
        yield
        if key in self.wanted:
            self.syntactic[key] = (start, self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        key = id(node)
        if key in self.wanted and key not in self.ranges:
            self.ranges[key] = self.syntactic.get(key, (self.starts[key], self.offset))
            if len(self.ranges) == len(self.wanted):
                raise _AllFound


def node_offsets(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict[int, tuple[int, int]]:
    """Map id(node) to its (start, end) character offsets in `module.code`.

    Expressions exclude their own parentheses; other nodes include the whitespace they own (see `trimmed`).
    """
    wanted = {id(node): node for node in nodes}
    if not wanted:
        return {}
    state = _OffsetState(default_indent=module.default_indent, default_newline=module.default_newline)
    state.wanted = wanted
    with contextlib.suppress(_AllFound):
        module._codegen(state)
    return state.ranges


def trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow an offset range to exclude the whitespace at both of its ends."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
