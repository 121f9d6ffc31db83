"""What one module tells the rest of the workspace: plain, JSON-able facts that depend on its text alone.

Names of other modules are kept as written (absolute dotted names); the workspace index resolves them when a
rule asks, so a module's summary stays valid while other modules change, and can be cached by content hash.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any, TypeVar


@dataclass(frozen=True)
class Loc:
    """A range of a module's text: 1-based lines and columns (code points)."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Place:
    """A range in another file of the workspace (and the module-level name defined there, if any)."""

    path: str
    loc: Loc
    name: str | None = None
    module: str | None = None


@dataclass(frozen=True)
class ValueFact:
    """A SQLAlchemy object a module-level name holds, or a dependency function provides.

    `factory`: the object is a session made by calling that (absolute) name, which the index resolves.
    """

    kind: str | None = None  # a semantics.values.Kind value
    expire_on_commit: bool | None = None
    factory: str | None = None
    loc: Loc | None = None


@dataclass(frozen=True)
class OriginFact:
    """ORM instances a helper function returns: their model, the relationship paths its statement loads."""

    model: str  # absolute name of the mapped class
    loaded: tuple[tuple[str, ...], ...] = ()
    opaque: bool = False  # loader options the analysis cannot read: anything may be loaded
    session_param: str | None = None  # the parameter that holds the session (the caller's argument decides)


@dataclass(frozen=True)
class ParamFact:
    """What a function's parameter holds, as far as its module says: a known value, or an imported annotation or
    dependency (resolved by the index); with none of these, what its call sites pass."""

    name: str
    value: ValueFact | None = None
    annotation: str | None = None  # absolute name of an annotation imported from another module
    dependency: str | None = None  # absolute name of a `Depends(...)` target imported from another module
    annotated: bool = False  # annotated with something else: call sites do not decide


@dataclass(frozen=True)
class ArgFact:
    """An argument of a call to a workspace function, when it may be a session."""

    position: int | None = None
    keyword: str | None = None
    value: ValueFact | None = None  # known in the calling module
    param: str | None = None  # the calling function's own parameter


@dataclass(frozen=True)
class CallFact:
    """A call of a module-level function or class of the workspace, with the arguments that may be sessions."""

    target: str  # absolute name of the called function or class
    caller: str | None = None  # absolute name of the module-level function that calls it
    args: tuple[ArgFact, ...] = ()


@dataclass(frozen=True)
class FunctionFact:
    is_async: bool
    params: tuple[str, ...] = ()
    generator: bool = False  # yields: calling it makes an (async) generator, not a coroutine
    param_facts: tuple[ParamFact, ...] = ()
    provides: ValueFact | None = None  # what it yields or returns, when a session (a dependency)
    returns: OriginFact | None = None  # the ORM instances it returns, for helpers
    loc: Loc | None = None


@dataclass(frozen=True)
class AliasFact:
    """`Db = Annotated[AsyncSession, Depends(get_db)]`: the declared type and the dependency (absolute name)."""

    declared: ValueFact | None = None
    dependency: str | None = None
    loc: Loc | None = None


@dataclass(frozen=True)
class RelationshipFact:
    name: str
    target: str  # the related class as written: "Book", "models.Book"
    lazy: str | None  # the loader strategy ("select" by default); None when it is not a literal
    many: bool | None = None  # a collection (list, set ...) or a single object; None when unknown
    loc: Loc | None = None


@dataclass(frozen=True)
class ColumnFact:
    """A column whose value a read can find unloaded: server-generated on update, or deferred."""

    name: str
    fetched_on_update: bool = False  # server_onupdate, or onupdate with a SQL expression: expired by the flush
    deferred: bool = False
    loc: Loc | None = None


@dataclass(frozen=True)
class FieldFact:
    """A pydantic field: the class its annotation names (lists and Optional unwrapped), as written."""

    name: str
    target: str | None = None
    many: bool = False


@dataclass(frozen=True)
class ClassFact:
    """A top-level class: its bases (absolute names) and what its own body declares."""

    name: str
    bases: tuple[str, ...] = ()
    mapped: bool = False  # its body maps a table: __tablename__, Mapped[...] attributes, columns, table=True
    attributes: tuple[str, ...] = ()  # mapped attributes (columns and relationships)
    relationships: tuple[RelationshipFact, ...] = ()
    columns: tuple[ColumnFact, ...] = ()
    fields: tuple[FieldFact, ...] = ()
    eager_defaults: bool | None = None
    from_attributes: bool | None = None
    coroutine_methods: tuple[str, ...] = ()  # its `async def` methods that are not generators
    init: FunctionFact | None = None  # its `__init__` (parameters after `self`): what constructing it passes
    loc: Loc | None = None


@dataclass(frozen=True)
class ModuleSummary:
    name: str
    is_package: bool = False
    imports: dict[str, str] = field(default_factory=dict)  # module-level name -> absolute name it refers to
    classes: dict[str, ClassFact] = field(default_factory=dict)
    values: dict[str, ValueFact] = field(default_factory=dict)
    functions: dict[str, FunctionFact] = field(default_factory=dict)
    aliases: dict[str, AliasFact] = field(default_factory=dict)
    star_imports: tuple[str, ...] = ()  # modules imported with `from module import *`
    uses_asyncio: bool = False  # imports SQLAlchemy's (or SQLModel's) asyncio extension
    engine_schemes: tuple[str, ...] = ()  # URL schemes of its engines' URLs: "postgresql+asyncpg"
    calls: tuple[CallFact, ...] = ()  # calls of workspace functions that may pass sessions (call-site inference)
    other_calls: tuple[str, ...] = ()  # functions (absolute names) it calls with no argument it can describe

    def defines(self, name: str) -> bool:
        """Whether the module itself binds `name` to something the index knows (not an import)."""
        return name in self.classes or name in self.values or name in self.functions or name in self.aliases

    def to_json(self) -> dict[str, Any]:
        return _dump(self)  # type: ignore[no-any-return]

    @classmethod
    def from_json(cls, data: Any) -> ModuleSummary:
        """Rebuild a summary; raises ValueError (or TypeError, KeyError) on data of another shape."""
        loaded: ModuleSummary = _load(cls, data)
        return loaded

    @cached_property
    def digest(self) -> str:
        """Identifies the content: dependents' results are valid while the digests they saw are unchanged."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def _dump(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _dump(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if getattr(value, f.name) != _default(f)
        }
    if isinstance(value, dict):
        return {key: _dump(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_dump(item) for item in value]
    return value


def _default(f: dataclasses.Field[Any]) -> Any:
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return dataclasses.MISSING


T = TypeVar("T")


def _load(kind: Any, data: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [option for option in typing.get_args(kind) if option is not type(None)]
        return None if data is None else _load(options[0], data)
    if origin is tuple:
        item = typing.get_args(kind)[0]
        return tuple(_load(item, element) for element in _expect(data, list))
    if origin is dict:
        _, item = typing.get_args(kind)
        return {str(key): _load(item, element) for key, element in _expect(data, dict).items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        values = _expect(data, dict)
        unknown = set(values) - set(hints)
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)} for {kind.__name__}")
        return kind(**{name: _load(hints[name], item) for name, item in values.items()})
    return _expect(data, kind)


@cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def _expect(data: Any, kind: type[T]) -> T:
    if not isinstance(data, kind) or (kind is int and isinstance(data, bool)):
        raise ValueError(f"expected {kind.__name__}, got {type(data).__name__}")
    return data
