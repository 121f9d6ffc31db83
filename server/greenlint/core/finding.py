"""Findings, their fixes and text edits: the data the CLI and the language server present."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

import libcst as cst

from greenlint.core.source import Position
from greenlint.semantics.summary import Place

if TYPE_CHECKING:
    from greenlint.core.fixer import FixBuilder


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"


class Applicability(str, Enum):
    SAFE = "safe"  # applied by `--fix`
    UNSAFE = "unsafe"  # changes behaviour beyond the bug: only with `--unsafe-fixes`, always offered in editors


@dataclass(frozen=True)
class Edit:
    """Replace text[start:end] (character offsets) with new_text."""

    start: int
    end: int
    new_text: str


@dataclass(frozen=True)
class ExternalEdit:
    """A fix's change to another file of the workspace: its new text from its current text, computed when asked."""

    path: str
    rewrite: Callable[[str], str]


@dataclass(frozen=True, eq=False)
class Fix:
    """A fix whose text is computed only when asked for: `build` registers node rewrites on a FixBuilder.

    `key` identifies identical fixes offered by several findings (applied once); fixes that share a `claims`
    entry change the meaning of the same code and are never applied in the same pass. `external` changes
    another file (only editors apply it, as part of the code action's workspace edit).
    """

    message: str
    applicability: Applicability
    build: Callable[[FixBuilder], None]
    key: Hashable
    claims: frozenset[Hashable] = frozenset()
    external: ExternalEdit | None = None


@dataclass(frozen=True)
class Related:
    """Another place that explains a finding (the factory, the dependency ...): a node, or a place in another file."""

    message: str
    node: cst.CSTNode | None = None
    place: Place | None = None


@dataclass(frozen=True, eq=False)
class Report:
    """What a rule reports: the nodes it is about, before positions are known."""

    code: str
    message: str
    node: cst.CSTNode
    end_node: cst.CSTNode | None = None
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    alternatives: tuple[Fix, ...] = ()  # other fixes, offered in editors only


@dataclass(frozen=True)
class RelatedLocation:
    message: str
    start: Position
    end: Position
    path: str | None = None  # another file of the workspace; None: the finding's own file


@dataclass(frozen=True, eq=False)
class Finding:
    """A located finding of one file."""

    code: str
    name: str
    severity: Severity
    message: str
    url: str
    start_offset: int
    end_offset: int
    start: Position
    end: Position
    fix: Fix | None = None
    related: tuple[RelatedLocation, ...] = field(default=())
    alternatives: tuple[Fix, ...] = field(default=())  # other fixes, offered in editors only (never by --fix)
