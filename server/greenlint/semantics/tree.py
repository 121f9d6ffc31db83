"""Walking a libcst tree cheaply: the fields of a node that can hold code, whitespace and punctuation skipped."""

from __future__ import annotations

import dataclasses

import libcst as cst

_SKIPPED_FIELDS = frozenset(
    {
        "lpar",
        "rpar",
        "comma",
        "semicolon",
        "leading_lines",
        "lines_after_decorators",
        "header",
        "footer",
        "trailing_whitespace",
        "newline",
        "equal",
        "colon",
        "dot",
        "star",
        "operator",
        "asynchronous",
        "default_indent",
        "default_newline",
        "encoding",
        "has_trailing_newline",
        "relative",
        "value_tokens",
    }
)
_child_fields: dict[type, tuple[str, ...]] = {}


def _fields(node_type: type) -> tuple[str, ...]:
    names = _child_fields.get(node_type)
    if names is None:
        names = tuple(
            f.name
            for f in dataclasses.fields(node_type)
            if f.name not in _SKIPPED_FIELDS and not f.name.startswith("whitespace")
        )
        _child_fields[node_type] = names
    return names


def child_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The children of a node that can hold code (whitespace and punctuation fields skipped)."""
    children: list[cst.CSTNode] = []
    for name in _fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            children.append(value)
        elif isinstance(value, (list, tuple)):
            children.extend(child for child in value if isinstance(child, cst.CSTNode))
    return children


_EMPTY_MODULE = cst.Module(body=[])


def code_of(node: cst.CSTNode) -> str:
    """The source code of a node, as libcst generates it (with the default indentation and newlines)."""
    return _EMPTY_MODULE.code_for_node(node)
