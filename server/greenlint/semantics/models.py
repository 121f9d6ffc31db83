"""Mapped models and pydantic schemas as rules see them: class facts merged along their bases, targets resolved."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from greenlint.semantics.names import ASYNC_ATTRS, DECLARATIVE_BASES, SCHEMA_BASES, SQLMODEL_BASE
from greenlint.semantics.summary import ClassFact, ColumnFact, Place, RelationshipFact

EAGER_STRATEGIES = frozenset({"selectin", "joined", "subquery", "immediate"})
LAZY_STRATEGIES = frozenset({"select"})  # the strategies that load on attribute access (with IO)


@dataclass(frozen=True)
class Definition:
    """A class of the workspace: its facts, the module that defines it, and where (None: the analysed module)."""

    qualified: str
    fact: ClassFact
    module: str
    path: str | None

    def place(self, loc_owner: ClassFact | RelationshipFact | ColumnFact | None = None) -> Place | None:
        loc = (loc_owner or self.fact).loc
        return Place(self.path, loc) if self.path is not None and loc is not None else None


@dataclass(frozen=True)
class Relationship:
    name: str
    owner: Definition  # the class that declares it (maybe a base of the model)
    fact: RelationshipFact
    target: str | None  # absolute name of the related class

    @property
    def lazy(self) -> str | None:
        return self.fact.lazy

    @property
    def loads_on_access(self) -> bool:
        return self.fact.lazy in LAZY_STRATEGIES

    @property
    def eager(self) -> bool:
        return self.fact.lazy in EAGER_STRATEGIES


@dataclass(frozen=True)
class Column:
    owner: Definition
    fact: ColumnFact


@dataclass(frozen=True)
class Model:
    """A mapped class with everything it inherits."""

    definition: Definition
    relationships: dict[str, Relationship] = field(default_factory=dict)
    columns: dict[str, Column] = field(default_factory=dict)
    attributes: frozenset[str] = frozenset()
    eager_defaults: bool = False
    async_attrs: bool = False

    @property
    def name(self) -> str:
        return self.definition.fact.name

    @property
    def qualified(self) -> str:
        return self.definition.qualified


@dataclass(frozen=True)
class SchemaField:
    name: str
    target: str | None  # absolute name of the class the annotation names
    many: bool


@dataclass(frozen=True)
class Schema:
    definition: Definition
    fields: dict[str, SchemaField] = field(default_factory=dict)
    from_attributes: bool | None = None


Lookup = Callable[[str], "Definition | None"]  # an absolute class name -> its definition
Resolve = Callable[[Definition, str], "str | None"]  # a class name as written in a definition's module -> absolute


def ancestry(definition: Definition, lookup: Lookup, limit: int = 32) -> tuple[list[Definition], set[str]]:
    """The definition and its workspace bases (nearest first), and the names of bases outside the workspace."""
    seen: list[Definition] = []
    external: set[str] = set()
    stack = [definition]
    while stack and len(seen) < limit:
        current = stack.pop(0)
        if any(item.qualified == current.qualified for item in seen):
            continue
        seen.append(current)
        for base in current.fact.bases:
            found = lookup(base)
            if found is None:
                external.add(base)
            else:
                stack.append(found)
    return seen, external


def is_mapped(definition: Definition, lookup: Lookup) -> bool:
    """Whether a class is mapped: a declarative base in its ancestry and a table in it (SQLModel: table=True)."""
    chain, external = ancestry(definition, lookup)
    return _maps(definition, chain, external)


def _maps(definition: Definition, chain: list[Definition], external: set[str]) -> bool:
    declarative = bool(external & DECLARATIVE_BASES) and any(item.fact.mapped for item in chain)
    return declarative or (SQLMODEL_BASE in external and definition.fact.mapped)


def build_model(definition: Definition, lookup: Lookup, resolve: Resolve) -> Model | None:
    """The model a class definition maps, or None when it is not a mapped class."""
    chain, external = ancestry(definition, lookup)
    if not _maps(definition, chain, external):
        return None
    relationships: dict[str, Relationship] = {}
    columns: dict[str, Column] = {}
    attributes: set[str] = set()
    eager_defaults: bool | None = None
    for item in reversed(chain):  # the nearest definition wins
        for fact in item.fact.relationships:
            relationships[fact.name] = Relationship(fact.name, item, fact, resolve(item, fact.target))
        for column in item.fact.columns:
            columns[column.name] = Column(item, column)
        attributes.update(item.fact.attributes)
        if item.fact.eager_defaults is not None:
            eager_defaults = item.fact.eager_defaults
    return Model(
        definition,
        relationships,
        columns,
        frozenset(attributes),
        bool(eager_defaults),
        bool(external & ASYNC_ATTRS),
    )


def build_schema(definition: Definition, lookup: Lookup, resolve: Resolve) -> Schema | None:
    """The pydantic model a class definition is (SQLModel classes included), or None."""
    chain, external = ancestry(definition, lookup)
    if not external & SCHEMA_BASES:
        return None
    fields: dict[str, SchemaField] = {}
    from_attributes: bool | None = None
    for item in reversed(chain):
        relationship_names = {fact.name for fact in item.fact.relationships}
        for fact in item.fact.fields:
            if fact.name in relationship_names:  # SQLModel's Relationship() attributes are not fields
                continue
            target = resolve(item, fact.target) if fact.target else None
            fields[fact.name] = SchemaField(fact.name, target, fact.many)
        if item.fact.from_attributes is not None:
            from_attributes = item.fact.from_attributes
    return Schema(definition, fields, from_attributes)
