"""The kinds of SQLAlchemy objects the analysis recognises, and inferred values."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import libcst as cst

from greenlint.semantics.summary import Place


class Kind(Enum):
    """What an expression evaluates to, when the analysis has positive evidence."""

    ASYNC_ENGINE = "AsyncEngine"
    SYNC_ENGINE = "Engine"
    ASYNC_CONNECTION = "AsyncConnection"
    SYNC_CONNECTION = "Connection"
    ASYNC_SESSION = "AsyncSession"
    SYNC_SESSION = "Session"
    ASYNC_FACTORY = "async_sessionmaker"
    SYNC_FACTORY = "sessionmaker"
    ASYNC_SCOPED = "async_scoped_session"
    SYNC_SCOPED = "scoped_session"

    @property
    def is_async(self) -> bool:
        return self in _ASYNC_KINDS

    @property
    def is_session(self) -> bool:
        return self in (Kind.ASYNC_SESSION, Kind.SYNC_SESSION)


SESSIONS_AND_CONNECTIONS = frozenset(
    {Kind.ASYNC_SESSION, Kind.SYNC_SESSION, Kind.ASYNC_CONNECTION, Kind.SYNC_CONNECTION}
)
_ASYNC_KINDS = frozenset(
    {Kind.ASYNC_ENGINE, Kind.ASYNC_CONNECTION, Kind.ASYNC_SESSION, Kind.ASYNC_FACTORY, Kind.ASYNC_SCOPED}
)


@dataclass(frozen=True)
class UrlRef:
    """A database URL known from the source: its text and the string node that holds it."""

    text: str
    node: cst.BaseExpression  # the SimpleString or FormattedString that spells the scheme
    via: str | None = None  # how it was reached: "DATABASE_URL", "os.getenv default" ...


@dataclass(frozen=True, eq=False)
class Value:
    """An inferred SQLAlchemy object (or, with is_class, the class itself)."""

    kind: Kind
    origin: cst.CSTNode | None = None  # the expression that creates it (create_engine call, factory call ...)
    engine: Value | None = None  # the engine a factory, session or connection is bound to
    factory: Value | None = None  # the factory a session came from
    url: UrlRef | None = None  # an engine's URL
    class_name: str | None = None  # the qualified class of a session (sqlalchemy or sqlmodel)
    is_class: bool = False
    expire_on_commit: bool | None = None  # factories and sessions: whether commit() expires every instance
    place: Place | None = None  # where it is created, when that is another module

    def instance(self, origin: cst.CSTNode | None) -> Value:
        """The instance of a class value."""
        return Value(self.kind, origin, class_name=self.class_name)

    def is_bound_to(self, engine: Value) -> bool:
        """Whether this session, connection or factory comes from the engine created by `engine.origin`."""
        bound = self.bound_engine()
        return bound is not None and bound.origin is not None and bound.origin is engine.origin

    def bound_engine(self) -> Value | None:
        """The engine behind a session, connection or factory, when known."""
        if self.kind in (Kind.ASYNC_ENGINE, Kind.SYNC_ENGINE):
            return self
        if self.engine is not None:
            return self.engine
        return self.factory.bound_engine() if self.factory is not None else None
