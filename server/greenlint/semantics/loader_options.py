"""Loader options as written in a query: which relationship paths they load eagerly, which columns they undefer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import libcst as cst

RelationshipPath = tuple[str, ...]
Qualify = Callable[[cst.BaseExpression], "str | None"]  # the qualified name an expression refers to

_EAGER_OPTIONS = frozenset({"selectinload", "joinedload", "subqueryload", "immediateload", "contains_eager"})
_PATH_OPTIONS = _EAGER_OPTIONS | {"defaultload", "lazyload", "noload", "raiseload"}
_COLUMN_OPTIONS = frozenset({"undefer", "defer", "load_only"})


@dataclass(frozen=True)
class Loads:
    loaded: set[RelationshipPath]  # relationship paths loaded eagerly (a "*" step: every relationship there)
    undeferred: set[str]  # columns of the queried class loaded although deferred


def read_options(args: Sequence[cst.Arg], qualify: Qualify) -> Loads | None:
    """What `.options(...)` arguments (or the elements of `options=[...]`) load; None if one is not understood."""
    loaded: set[RelationshipPath] = set()
    undeferred: set[str] = set()
    for arg in args:
        if arg.star or arg.keyword is not None:
            return None
        parsed = _option(arg.value, qualify)
        if parsed is None:
            return None
        loaded |= parsed.loaded
        undeferred |= parsed.undeferred
    return Loads(loaded, undeferred)


def option_elements(node: cst.BaseExpression) -> list[cst.Arg]:
    if isinstance(node, (cst.List, cst.Tuple)):
        return [
            cst.Arg(element.value, star="*" if isinstance(element, cst.StarredElement) else "")
            for element in node.elements
        ]
    return [cst.Arg(node, star="*")]  # a variable: its options are unknown


def _option(node: cst.BaseExpression, qualify: Qualify) -> Loads | None:
    """The relationship paths an option loads eagerly and the columns it undefers; None if it is not understood."""
    chain: list[tuple[str, list[cst.Arg]]] = []
    current: cst.BaseExpression = node
    while isinstance(current, cst.Call):
        func = current.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call):
            chain.append((func.attr.value, list(current.args)))
            current = func.value
            continue
        qualified = qualify(func)
        if qualified is None or not qualified.startswith("sqlalchemy"):
            return None
        chain.append((qualified.rpartition(".")[2], list(current.args)))
        break
    else:
        return None
    chain.reverse()
    loaded: set[RelationshipPath] = set()
    undeferred: set[str] = set()
    path: RelationshipPath = ()
    for name, args in chain:
        if name == "Load":
            continue
        if name in _COLUMN_OPTIONS:
            if name == "undefer" and not path:
                undeferred.update(attribute for arg in args if (attribute := _attribute_name(arg.value)))
            continue
        if name == "options":
            for arg in args:
                nested = _option(arg.value, qualify)
                if nested is None:
                    return None
                loaded |= {(*path, *sub) for sub in nested.loaded}
            continue
        if name not in _PATH_OPTIONS:
            return None
        for arg in args:
            attribute = _attribute_name(arg.value)
            if attribute is None:
                return None
            path = (*path, attribute)
            if name in _EAGER_OPTIONS:
                loaded.add(path)
    return Loads(loaded, undeferred)


def _attribute_name(node: cst.BaseExpression) -> str | None:
    """`Model.attr` -> "attr"; the string form "attr" and "*" too."""
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None
