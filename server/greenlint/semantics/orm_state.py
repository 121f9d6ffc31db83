"""What the ORM instance walk (semantics/orm.py) knows and records: origins, sessions, instance states, the
values of expressions, and the events the GL1xx rules report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import libcst as cst

from greenlint.semantics.loader_options import RelationshipPath
from greenlint.semantics.models import Column, Model, Relationship, Schema
from greenlint.semantics.summary import FunctionFact
from greenlint.semantics.values import Value


class ModelSource(Protocol):
    """Models, schemas and helper functions by absolute name (a WorkspaceView)."""

    def model(self, qualified: str) -> Model | None: ...

    def schema(self, qualified: str) -> Schema | None: ...

    def function(self, qualified: str) -> FunctionFact | None: ...


@dataclass(frozen=True)
class SessionRef:
    """The session an instance belongs to: its expression here (`db`), and what it is."""

    key: str
    node: cst.BaseExpression | None
    value: Value | None


@dataclass(frozen=True)
class Producer:
    """Where a loader option can go: a `select(...)` call or a `session.get(...)` call of this module."""

    call: cst.Call
    model_node: cst.BaseExpression
    is_get: bool


@dataclass(frozen=True)
class Origin:
    """The statement that loaded some instances: model, loaded relationship paths, undeferred columns."""

    model: str
    loaded: frozenset[RelationshipPath] = frozenset()
    undeferred: frozenset[str] = frozenset()
    opaque: bool = False
    producer: Producer | None = None
    session: SessionRef | None = None
    session_param: str | None = None  # summaries: the caller's argument for this parameter is the session
    refreshed: frozenset[RelationshipPath] = frozenset()  # loaded by `refresh(obj, [names])` only, not by options

    def loads(self, path: RelationshipPath) -> bool:
        return self.opaque or path in self.loaded or (*path[:-1], "*") in self.loaded


@dataclass(eq=False)
class InstanceState:
    """What happened to the instances a name holds, in the walk's order."""

    session: SessionRef | None
    persistent: bool  # loaded from the database (a rollback expires these)
    variable: str | None = None  # the name bound when they were loaded or added
    expired_by: cst.Call | None = None
    expired_statement: cst.CSTNode | None = None  # where `refresh` can follow the commit (None: nowhere)
    expired_variable: str | None = None  # the name that held them then
    reported: bool = False
    changed: bool = False
    stale_by: cst.Call | None = None
    reported_columns: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Statement:
    origin: Origin


@dataclass(frozen=True)
class Rows:
    origin: Origin
    state: InstanceState | None


@dataclass(frozen=True)
class Objects:
    """One or more instances of the model at `path` from the origin's model."""

    origin: Origin
    path: RelationshipPath
    state: InstanceState | None


@dataclass(frozen=True)
class AwaitableAttrs:
    objects: Objects


Abstract = Statement | Rows | Objects | AwaitableAttrs


@dataclass(frozen=True)
class LazyRead:
    """GL101: a relationship read that loads lazily, on instances whose origin does not load it."""

    node: cst.Attribute
    objects: Objects
    relationship: Relationship
    owner: Model
    in_generator: bool


@dataclass(frozen=True)
class UnloadedResponse:
    """GL102: a route returns instances whose origin does not load relationships its response model reads."""

    node: cst.Return
    origin: Origin
    schema: Schema
    missing: tuple[tuple[RelationshipPath, Relationship], ...]


@dataclass(frozen=True)
class ExpiredRead:
    """GL103: an attribute read (or a response model reading) on instances a commit or rollback expired."""

    node: cst.CSTNode
    state: InstanceState
    model: Model
    attribute: str | None  # None: the instances are returned to a response model


@dataclass(frozen=True)
class StaleRead:
    """GL104: a column read the flush left unloaded (server-generated on update) or that was deferred."""

    node: cst.Attribute
    model: Model
    column: Column
    deferred: bool
    state: InstanceState
    statement: cst.CSTNode | None  # the statement holding the read, where a refresh can go first


@dataclass
class OrmEvents:
    lazy_reads: list[LazyRead] = field(default_factory=list)
    responses: list[UnloadedResponse] = field(default_factory=list)
    expired_reads: list[ExpiredRead] = field(default_factory=list)
    stale_reads: list[StaleRead] = field(default_factory=list)
