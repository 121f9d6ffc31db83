"""Generate a deterministic FastAPI + SQLAlchemy 2.x async *workspace*: one package of many modules that import
each other, the workload for ``bench/bench_index.py`` (the workspace index and the language server's memory).

Unlike ``generate.py`` (independent modules that each declare their own models), the modules here form one
application, ``app``::

    app/__init__.py
    app/main.py                      FastAPI() including every domain router
    app/db.py                        create_async_engine, async_sessionmaker (expire_on_commit left at True)
    app/deps.py                      get_db, SessionDep = Annotated[AsyncSession, Depends(get_db)], pagination
    app/models/__init__.py           re-exports about half of the models
    app/models/base.py               class Base(AsyncAttrs, DeclarativeBase), TimestampMixin
    app/models/m000.py ... m099.py   declarative models (Mapped, mapped_column, relationship)
    app/schemas/s00.py ... s19.py    pydantic schemas (from_attributes) for five model modules each
    app/routers/<domain>/__init__.py the domain's router, including its route modules' routers
    app/routers/<domain>/*.py        FastAPI routes (depth 3: ``from ...models.m017 import Order``)
    app/services/*.py                async service helpers (depth 2: ``from ..models.m017 import Order``)

Models have relationships to models of the same module (parent/children with ``back_populates``) and of other
model modules (many-to-one, by runtime import, ``TYPE_CHECKING`` import or a bare class-name string), with
various ``lazy=`` strategies; some have ``onupdate=func.now()`` and ``deferred=True`` columns.  Route and
service modules (100-250 lines each) import models, schemas, dependencies and service helpers with absolute
and relative imports.  About one route module in three gets one or two seeded bugs of the workspace rules:

| kind | shape |
|---|---|
| ``GL101`` | a lazy (``lazy="select"``) relationship read after ``await db.get(...)`` or a service helper's result |
| ``GL103`` | an attribute read after ``await db.commit()`` (the session factory expires on commit) |

``MANIFEST.json`` at the root lists every file with its line count, its role and its seeded bugs (rule, line,
function).

Usage::

    python bench/generate_workspace.py                        # 100 model + 900 route/service modules
    python bench/generate_workspace.py --models 10 --modules 50 --out /tmp/ws --check
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import benchtools  # noqa: E402  (sibling modules, need the sys.path entry above)
from benchtools import Block, Bug, Names, not_found  # noqa: E402
from generate import (  # noqa: E402
    BOOL_FIELDS,
    CHILD_LABELS,
    CHILD_NOUNS,
    CHILD_QTYS,
    DOMAINS,
    NOUNS,
    STATUS_FIELDS,
    STATUS_VALUES,
    TITLE_FIELDS,
    camel,
)

DEFAULT_OUT = BENCH_DIR / "generated" / "workspace"
GENERATOR_VERSION = 1
PACKAGE = "app"
MODELS_PER_SCHEMA_MODULE = 5
MIN_LINES, MAX_LINES = 100, 250
SERVICE_SHARE = 0.4  # of the route/service modules

# Loader strategies of relationships (None: not written, i.e. "select").
LAZY_CHOICES: list[tuple[str | None, int]] = [
    (None, 30),
    ("select", 10),
    ("selectin", 25),
    ("joined", 10),
    ("raise", 10),
    ("subquery", 5),
    ("immediate", 5),
    ("write_only", 0),  # listed for completeness; never drawn (it changes the collection's type)
]
NUM_FIELDS = [
    ("amount", "Decimal", "Numeric(12, 2)"),
    ("price", "Decimal", "Numeric(10, 2)"),
    ("total", "Decimal", "Numeric(14, 2)"),
    ("score", "int", ""),
    ("capacity", "int", ""),
    ("weight", "float", ""),
    ("balance", "Decimal", "Numeric(14, 2)"),
]
EXTRA_COLUMNS: list[tuple[str, str, str]] = [
    ("reference", "str", "mapped_column(String(64), unique=True, default=lambda: uuid.uuid4().hex[:16])"),
    ("external_id", "str | None", "mapped_column(String(128), index=True, default=None)"),
    ("currency", "str", 'mapped_column(String(3), default="EUR", server_default="EUR")'),
    ("email", "str | None", "mapped_column(String(320), default=None)"),
    ("country_code", "str | None", "mapped_column(String(2), default=None)"),
    ("sort_order", "int", 'mapped_column(Integer, default=0, server_default=text("0"))'),
    ("metadata_json", "dict[str, Any]", "mapped_column(JSON, default=dict)"),
    ("version_id", "int", "mapped_column(Integer, nullable=False, default=1)"),
    ("archived_at", "datetime | None", "mapped_column(DateTime(timezone=True), default=None)"),
    ("slug", "str", 'mapped_column(String(160), index=True, default="")'),
]
DEFERRED_COLUMNS = [("description", "Text"), ("body_html", "Text"), ("raw_payload", "JSON"), ("notes_text", "Text")]
QUALIFIERS = ["", "Partner", "Internal", "Legacy", "Shared", "Regional", "Vendor", "Tenant"]


def lazy_kw(lazy: str | None) -> str:
    return "" if lazy is None else f'lazy="{lazy}"'


def kwargs(*parts: str) -> str:
    return ", ".join(part for part in parts if part)


def snake_of(camel_name: str) -> str:
    out = []
    for i, ch in enumerate(camel_name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def plural_of(snake: str) -> str:
    if snake.endswith("y") and not snake.endswith(("ay", "ey", "oy")):
        return snake[:-1] + "ies"
    if snake.endswith(("s", "x", "ch", "sh")):
        return snake + "es"
    return snake + "s"


# --------------------------------------------------------------------------- the model registry


@dataclass
class Rel:
    attr: str
    target: str  # class name
    many: bool
    lazy: str | None

    @property
    def lazy_loads(self) -> bool:
        """Read on an instance that did not load it, this relationship runs a SELECT (GL101 under asyncio)."""
        return self.lazy in (None, "select")


@dataclass
class ModelClass:
    name: str
    snake: str
    table: str
    module: int
    primary: bool
    title: str  # a string column
    num: str  # a number column
    numtype: str
    status: str | None = None
    states: tuple[str, str, str] = ("open", "closed", "archived")
    flag: str | None = None
    onupdate: str | None = None  # a column with onupdate=func.now()
    deferred: str | None = None  # a deferred column
    mixin: bool = False  # inherits TimestampMixin (created_at/updated_at)
    rels: list[Rel] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def rel(self, many: bool | None = None, lazy_loads: bool | None = None) -> list[Rel]:
        return [
            r
            for r in self.rels
            if (many is None or r.many == many) and (lazy_loads is None or r.lazy_loads == lazy_loads)
        ]


@dataclass
class ModelModule:
    index: int
    primary: ModelClass
    children: list[ModelClass]
    imports_runtime: dict[int, list[str]] = field(default_factory=dict)  # module -> classes (module < index)
    imports_checking: dict[int, list[str]] = field(default_factory=dict)  # module -> classes, TYPE_CHECKING
    relative: bool = True
    future: bool = False

    @property
    def name(self) -> str:
        return f"m{self.index:03d}"

    @property
    def classes(self) -> list[ModelClass]:
        return [self.primary, *self.children]

    @property
    def schema_module(self) -> str:
        return f"s{self.index // MODELS_PER_SCHEMA_MODULE:02d}"


def pick_lazy(rng: random.Random) -> str | None:
    choices = [c for c, _ in LAZY_CHOICES]
    weights = [w for _, w in LAZY_CHOICES]
    return rng.choices(choices, weights)[0]


def plan_models(n_models: int, seed: int) -> list[ModelModule]:
    rng = random.Random(f"greenlint-workspace:{seed}:models")
    combos = [(q, noun) for q in QUALIFIERS for noun, _ in NOUNS]
    chosen = rng.sample(combos[: len(NOUNS)], min(n_models, len(NOUNS)))
    if n_models > len(chosen):
        chosen += rng.sample(combos[len(NOUNS) :], n_models - len(chosen))
    modules: list[ModelModule] = []
    for index, (qualifier, noun) in enumerate(chosen):
        snake = f"{snake_of(qualifier)}_{noun}" if qualifier else noun
        name = camel(snake)
        status = rng.choice(STATUS_FIELDS)
        num, numtype, _ = rng.choice(NUM_FIELDS)
        primary = ModelClass(
            name=name,
            snake=snake,
            table=plural_of(snake),
            module=index,
            primary=True,
            title=rng.choice(TITLE_FIELDS),
            num=num,
            numtype=numtype,
            status=status,
            states=rng.choice(STATUS_VALUES),
            flag=rng.choice(BOOL_FIELDS),
            onupdate="updated_at" if rng.random() < 0.4 else None,
            deferred=rng.choice(DEFERRED_COLUMNS)[0] if rng.random() < 0.35 else None,
            mixin=rng.random() < 0.25,
        )
        children: list[ModelClass] = []
        for child_noun, child_plural in rng.sample(CHILD_NOUNS, rng.choice([1, 1, 2, 2, 3])):
            child = ModelClass(
                name=name + camel(child_noun),
                snake=f"{snake}_{child_noun}",
                table=f"{snake}_{child_plural}",
                module=index,
                primary=False,
                title=rng.choice(CHILD_LABELS),
                num=rng.choice(CHILD_QTYS),
                numtype="int",
                onupdate="edited_at" if rng.random() < 0.2 else None,
                deferred="payload" if rng.random() < 0.15 else None,
            )
            primary.rels.append(Rel(child_plural, child.name, True, pick_lazy(rng)))
            child.rels.append(Rel(snake, name, False, pick_lazy(rng)))
            children.append(child)
        modules.append(ModelModule(index, primary, children, relative=rng.random() < 0.6, future=rng.random() < 0.3))

    # Links between model modules: many-to-one relationships to another module's primary class.
    for module in modules:
        others = [m for m in modules if m.index != module.index]
        links: list[tuple[ModelClass, ModelModule]] = []
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
            if others:
                links.append((module.primary, rng.choice(others)))
        for child in module.children:
            if others and rng.random() < 0.35:
                links.append((child, rng.choice(others)))
        for owner, other in links:
            target = other.primary
            if any(r.attr == target.snake for r in owner.rels):
                continue
            owner.rels.append(Rel(target.snake, target.name, False, pick_lazy(rng)))
            style = rng.random()
            if other.index < module.index and style < 0.45:
                module.imports_runtime.setdefault(other.index, []).append(target.name)
            elif style < 0.8:
                module.imports_checking.setdefault(other.index, []).append(target.name)
            # else: a bare string, resolved by class name over the whole workspace
        if rng.random() < 0.1:  # self-referential tree
            module.primary.rels.append(Rel("parent", module.primary.name, False, pick_lazy(rng)))
    return modules


# --------------------------------------------------------------------------- model modules


def column_lines(model: ModelClass, rng: random.Random, by_name: dict[str, ModelClass]) -> list[str]:
    out = ["    id: Mapped[int] = mapped_column(primary_key=True)"]
    length = rng.choice([80, 120, 200, 255])
    out.append(f"    {model.title}: Mapped[str] = mapped_column(String({length}), index=True)")
    if model.status is not None:
        s0 = model.states[0]
        out.append(
            f'    {model.status}: Mapped[str] = mapped_column(String(32), default="{s0}", server_default="{s0}")'
        )
    sql_type = next((t for n, _, t in NUM_FIELDS if n == model.num), "")
    if model.numtype == "Decimal":
        out.append(f'    {model.num}: Mapped[Decimal] = mapped_column({sql_type}, default=Decimal("0"))')
    else:
        out.append(f"    {model.num}: Mapped[{model.numtype}] = mapped_column(default=0)")
    if model.flag is not None:
        out.append(f"    {model.flag}: Mapped[bool] = mapped_column(Boolean, default={rng.choice(['True', 'False'])})")
    if model.primary:
        taken = {model.title, model.num, model.status, model.flag}
        for name, annotation, column in rng.sample(EXTRA_COLUMNS, rng.randint(2, 5)):
            if name not in taken:
                out.append(f"    {name}: Mapped[{annotation}] = {column}")
    if not model.mixin:
        out.append(
            "    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())"
        )
    if model.onupdate is not None and not model.mixin:
        out.append(
            f"    {model.onupdate}: Mapped[datetime | None] = mapped_column("
            "DateTime(timezone=True), server_default=func.now(), onupdate=func.now())"
        )
    if model.deferred is not None:
        sql = next((t for n, t in DEFERRED_COLUMNS if n == model.deferred), "Text")
        annotation = "dict[str, Any] | None" if sql == "JSON" else "str | None"
        out.append(f"    {model.deferred}: Mapped[{annotation}] = mapped_column({sql}, deferred=True, default=None)")
    # Foreign keys of the many-to-one relationships.
    for rel in model.rels:
        if rel.many:
            continue
        target = by_name[rel.target]
        if rel.attr == "parent":
            out.append(
                f'    parent_id: Mapped[int | None] = mapped_column(ForeignKey("{model.table}.id"), default=None)'
            )
        elif target.module == model.module:
            out.append(
                f"    {rel.attr}_id: Mapped[int] = mapped_column("
                f'ForeignKey("{target.table}.id", ondelete="CASCADE"), index=True)'
            )
        else:
            out.append(
                f"    {rel.attr}_id: Mapped[int | None] = mapped_column("
                f'ForeignKey("{target.table}.id", ondelete="SET NULL"), index=True, default=None)'
            )
    return out


def relationship_lines(model: ModelClass, module: ModelModule, by_name: dict[str, ModelClass]) -> list[str]:
    out: list[str] = []
    imported = {name for names in module.imports_runtime.values() for name in names}
    checking = {name for names in module.imports_checking.values() for name in names}
    for rel in model.rels:
        target = by_name[rel.target]
        lazy = lazy_kw(rel.lazy)
        if rel.many:
            back = next(r.attr for r in target.rels if r.target == model.name and not r.many)
            cascade = 'cascade="all, delete-orphan"'
            args = kwargs(f'back_populates="{back}"', cascade, lazy)
            line = f'    {rel.attr}: Mapped[list["{target.name}"]] = relationship({args})'
        elif rel.attr == "parent":
            args = kwargs("remote_side=[id]", lazy)
            line = f'    parent: Mapped["{target.name} | None"] = relationship({args})'
        elif target.module == model.module:
            back = next(r.attr for r in target.rels if r.target == model.name and r.many)
            args = kwargs(f'back_populates="{back}"', lazy)
            line = f'    {rel.attr}: Mapped["{target.name}"] = relationship({args})'
        elif target.name in imported:
            args = kwargs(f"foreign_keys=[{rel.attr}_id]", lazy)
            line = f"    {rel.attr}: Mapped[{target.name} | None] = relationship({args})"
        elif target.name in checking:
            args = kwargs(f"foreign_keys=[{rel.attr}_id]", lazy)
            line = f'    {rel.attr}: Mapped["{target.name} | None"] = relationship({args})'
        else:
            args = kwargs(f'"{target.name}"', f"foreign_keys=[{rel.attr}_id]", lazy)
            line = f"    {rel.attr} = relationship({args})"
        if len(line) > 118:
            head, _, rest = line.partition("relationship(")
            line = f"{head}relationship(\n        {rest[:-1]}\n    )"
        out += line.split("\n")
    return out


def class_lines(
    model: ModelClass, module: ModelModule, rng: random.Random, by_name: dict[str, ModelClass]
) -> list[str]:
    bases = "TimestampMixin, Base" if model.mixin else "Base"
    words = model.snake.replace("_", " ")
    out = [f"class {model.name}({bases}):", f'    """A {words}."""', "", f'    __tablename__ = "{model.table}"']
    if model.primary and rng.random() < 0.5:
        out += [
            "    __table_args__ = (",
            f'        Index("ix_{model.table}_{model.title}_created", "{model.title}", "created_at"),',
            "    )",
        ]
    if model.onupdate is not None and rng.random() < 0.3:
        out.append('    __mapper_args__ = {"eager_defaults": True}')
    out.append("")
    out += column_lines(model, rng, by_name)
    out.append("")
    out += relationship_lines(model, module, by_name)
    out += [
        "",
        "    def __repr__(self) -> str:",
        f'        return f"<{model.name} id={{self.id}} {model.title}={{self.{model.title}!r}}>"',
    ]
    if model.status is not None:
        out += [
            "",
            "    @property",
            f"    def is_{model.states[1]}(self) -> bool:",
            f'        return self.{model.status} == "{model.states[1]}"',
            "",
            f"    def mark_{model.states[2]}(self) -> None:",
            f'        """Move to {model.states[2]}; the caller commits."""',
            f'        self.{model.status} = "{model.states[2]}"',
        ]
    if model.primary and rng.random() < 0.6:
        out += [
            "",
            "    def to_dict(self) -> dict[str, Any]:",
            "        return {",
            '            "id": self.id,',
            f'            "{model.title}": self.{model.title},',
            f'            "{model.num}": {"float" if model.numtype == "Decimal" else model.numtype}(self.{model.num}),',
            "        }",
        ]
    return out


def render_model_module(module: ModelModule, seed: int, by_name: dict[str, ModelClass]) -> tuple[str, int]:
    rng = random.Random(f"greenlint-workspace:{seed}:model:{module.index}")
    p = module.primary
    base = ".base" if module.relative else f"{PACKAGE}.models.base"
    out = [
        f'"""{p.name} models: {p.table.replace("_", " ")} and what belongs to them.',
        "",
        f"Generated by bench/generate_workspace.py (model module {module.index}, seed {seed}).",
        '"""',
        "",
    ]
    if module.future:
        out += ["from __future__ import annotations", ""]
    out += [
        "import uuid",
        "from datetime import datetime",
        "from decimal import Decimal",
        "from typing import TYPE_CHECKING, Any",
        "",
        "from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, Numeric, String, Text, func, text",
        "from sqlalchemy.orm import Mapped, mapped_column, relationship",
        "",
        f"from {base} import Base, TimestampMixin",
    ]
    for other, names in sorted(module.imports_runtime.items()):
        source = f".m{other:03d}" if module.relative else f"{PACKAGE}.models.m{other:03d}"
        out.append(f"from {source} import {', '.join(sorted(set(names)))}")
    if module.imports_checking:
        out += ["", "if TYPE_CHECKING:"]
        for other, names in sorted(module.imports_checking.items()):
            source = f".m{other:03d}" if module.relative else f"{PACKAGE}.models.m{other:03d}"
            out.append(f"    from {source} import {', '.join(sorted(set(names)))}")
    out += ["", "__all__ = [" + ", ".join(f'"{m.name}"' for m in module.classes) + "]"]
    for model in module.classes:
        out += ["", ""]
        out += class_lines(model, module, rng, by_name)
    return "\n".join(out) + "\n", len(out)


def render_base(seed: int) -> list[str]:
    return [
        '"""The declarative base shared by every model module."""',
        "",
        "from datetime import datetime",
        "",
        "from sqlalchemy import DateTime, MetaData, func",
        "from sqlalchemy.ext.asyncio import AsyncAttrs",
        "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column",
        "",
        "NAMING_CONVENTION = {",
        '    "ix": "ix_%(column_0_label)s",',
        '    "uq": "uq_%(table_name)s_%(column_0_name)s",',
        '    "ck": "ck_%(table_name)s_%(constraint_name)s",',
        '    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",',
        '    "pk": "pk_%(table_name)s",',
        "}",
        "",
        "",
        "class Base(AsyncAttrs, DeclarativeBase):",
        f'    """Declarative base (seed {seed}); AsyncAttrs gives every model `awaitable_attrs`."""',
        "",
        "    metadata = MetaData(naming_convention=NAMING_CONVENTION)",
        "",
        "",
        "class TimestampMixin:",
        '    """created_at / updated_at, both computed by the database."""',
        "",
        "    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())",
        "    updated_at: Mapped[datetime | None] = mapped_column(",
        "        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()",
        "    )",
    ]


def render_models_init(modules: list[ModelModule], seed: int) -> list[str]:
    rng = random.Random(f"greenlint-workspace:{seed}:models-init")
    exported = [m for m in modules if rng.random() < 0.5]
    out = ['"""The models; about half of them are re-exported here."""', "", "from .base import Base, TimestampMixin"]
    names = ["Base", "TimestampMixin"]
    for module in exported:
        classes = [c.name for c in module.classes]
        names += classes
        out.append(f"from .{module.name} import {', '.join(classes)}")
    out += ["", "__all__ = ["]
    out += [f'    "{name}",' for name in names]
    out += ["]"]
    return out


def exported_models(modules: list[ModelModule], seed: int) -> set[str]:
    rng = random.Random(f"greenlint-workspace:{seed}:models-init")
    return {c.name for m in modules if rng.random() < 0.5 for c in m.classes}


# --------------------------------------------------------------------------- db, deps, schemas, main


def render_db(seed: int) -> list[str]:
    return [
        '"""The engine and the session factory (expire_on_commit is left at its default, True)."""',
        "",
        "import os",
        "",
        "from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine",
        "",
        "from .models.base import Base",
        "",
        f'DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql+asyncpg://app:app@localhost:5432/app_{seed}")',
        "",
        "engine: AsyncEngine = create_async_engine(",
        "    DATABASE_URL,",
        "    pool_pre_ping=True,",
        "    pool_size=10,",
        "    max_overflow=20,",
        ")",
        "SessionLocal = async_sessionmaker(engine, class_=AsyncSession)",
        "",
        "",
        "async def create_all() -> None:",
        '    """Create the tables (tests and local development only; production uses migrations)."""',
        "    async with engine.begin() as conn:",
        "        await conn.run_sync(Base.metadata.create_all)",
        "",
        "",
        "async def dispose() -> None:",
        "    await engine.dispose()",
    ]


def render_deps() -> list[str]:
    return [
        '"""FastAPI dependencies shared by every router."""',
        "",
        "from collections.abc import AsyncIterator",
        "from dataclasses import dataclass",
        "from typing import Annotated",
        "",
        "from fastapi import Depends, Header, HTTPException, Query, status",
        "from sqlalchemy.ext.asyncio import AsyncSession",
        "",
        "from .db import SessionLocal",
        "",
        "",
        "async def get_db() -> AsyncIterator[AsyncSession]:",
        '    """One session per request; rolled back when the handler raises."""',
        "    async with SessionLocal() as session:",
        "        try:",
        "            yield session",
        "        except Exception:",
        "            await session.rollback()",
        "            raise",
        "",
        "",
        "SessionDep = Annotated[AsyncSession, Depends(get_db)]",
        "",
        "",
        "@dataclass(frozen=True)",
        "class Page:",
        "    limit: int",
        "    offset: int",
        "",
        "",
        "def pagination(",
        "    limit: int = Query(default=50, ge=1, le=500),",
        "    offset: int = Query(default=0, ge=0),",
        ") -> Page:",
        "    return Page(limit, offset)",
        "",
        "",
        "PageDep = Annotated[Page, Depends(pagination)]",
        "",
        "",
        "async def tenant_id(x_tenant: Annotated[str | None, Header()] = None) -> str:",
        "    if not x_tenant:",
        '        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="X-Tenant header missing")',
        "    return x_tenant",
        "",
        "",
        "TenantDep = Annotated[str, Depends(tenant_id)]",
    ]


def schema_fields(model: ModelClass, optional: bool) -> list[str]:
    num_type = "float" if model.numtype == "Decimal" else model.numtype
    fields = [(model.title, "str"), (model.num, num_type)]
    if model.status is not None:
        fields.append((model.status, "str"))
    if model.flag is not None:
        fields.append((model.flag, "bool"))
    if optional:
        return [f"    {name}: {kind} | None = None" for name, kind in fields]
    out = [f"    {model.title}: str = Field(min_length=1, max_length=255)", f"    {model.num}: {num_type} = 0"]
    if model.status is not None:
        out.append(f'    {model.status}: str = "{model.states[0]}"')
    if model.flag is not None:
        out.append(f"    {model.flag}: bool = True")
    return out


def render_schema_module(modules: list[ModelModule], number: int) -> list[str]:
    out = [
        f'"""Request and response schemas (schema module {number}).',
        "",
        "Response schemas read ORM instances (from_attributes=True).",
        '"""',
        "",
        "from datetime import datetime",
        "",
        "from pydantic import BaseModel, ConfigDict, Field",
    ]
    for module in modules:
        for model in [*module.children, module.primary]:
            out += ["", "", f"class {model.name}Create(BaseModel):"]
            out += schema_fields(model, optional=False)
            out += ["", "", f"class {model.name}Update(BaseModel):"]
            out += schema_fields(model, optional=True)
            out += [
                "",
                "",
                f"class {model.name}Read({model.name}Create):",
                "    model_config = ConfigDict(from_attributes=True)",
                "",
                "    id: int",
            ]
            if not model.primary:
                out.append(f"    {module.primary.snake}_id: int")
        p = module.primary
        out += ["", "", f"class {p.name}Detail({p.name}Read):"]
        for rel in p.rel(many=True):
            out.append(f"    {rel.attr}: list[{rel.target}Read] = []")
        out.append("    created_at: datetime | None = None")
    return out


def render_main(domains: list[str]) -> list[str]:
    out = [
        '"""The application: every domain router under /api."""',
        "",
        "from collections.abc import AsyncIterator",
        "from contextlib import asynccontextmanager",
        "",
        "from fastapi import FastAPI",
        "",
    ]
    for domain in domains:
        out.append(f"from .routers.{domain} import router as {domain}_router")
    out += [
        "from .db import dispose",
        "",
        "",
        "@asynccontextmanager",
        "async def lifespan(app: FastAPI) -> AsyncIterator[None]:",
        "    yield",
        "    await dispose()",
        "",
        "",
        'app = FastAPI(title="Generated workspace", lifespan=lifespan)',
    ]
    for domain in domains:
        out.append(f'app.include_router({domain}_router, prefix="/api")')
    return out


# --------------------------------------------------------------------------- route and service modules


@dataclass
class Plan:
    index: int
    kind: str  # "route" or "service"
    module: ModelModule
    domain: str
    stem: str
    service: Plan | None = None  # routes: the service module of the same model, if any

    @property
    def dotted(self) -> str:
        if self.kind == "route":
            return f"{PACKAGE}.routers.{self.domain}.{self.stem}"
        return f"{PACKAGE}.services.{self.stem}"

    @property
    def relpath(self) -> str:
        return self.dotted.replace(".", "/") + ".py"


@dataclass
class Ctx(Names):
    """Identifiers chosen for one route or service module."""

    plan: Plan
    rng: random.Random
    db: str
    dep: str  # annotation of the session parameter ("SessionDep", "AsyncSession = Depends(get_db)", ...)
    by_name: dict[str, ModelClass]
    models: list[ModelModule]

    @property
    def p(self) -> ModelClass:
        return self.plan.module.primary

    @property
    def pid(self) -> str:
        """The name of a parameter that holds the id of a primary model row."""
        return f"{self.p.snake}_id"

    def param(self) -> str:
        return f"{self.db}: {self.dep}"


def num_expr(model: ModelClass, var: str) -> str:
    return f"float({var}.{model.num})" if model.numtype == "Decimal" else f"{var}.{model.num}"


# -- route blocks (functions get unique names; paths are unique per method)


def item_route(
    x: Ctx, method: str, fn: str, path: str, returns: str, *, route_kw: str = "", params: str = ""
) -> list[str]:
    """Decorator and signature of a route on one row of the primary model, ``{method} /{<pid>}/<path>``;
    ``route_kw``: more arguments of the decorator, ``params``: parameters between the id and the session."""
    args = kwargs(f'"{x.path(method, "{" + x.pid + "}", path)}"', route_kw)
    return [f"@router.{method}({args})", f"async def {fn}({x.pid}: int, {params}{x.param()}) -> {returns}:"]


def fetch_or_404(x: Ctx, fetch: str | None = None) -> list[str]:
    """The primary model row, ``fetch`` (by default ``await db.get(Model, <pid>)``), and a 404 when it is None."""
    p = x.p
    fetch = fetch or f"await {x.db}.get({p.name}, {x.pid})"
    return [f"    {p.snake} = {fetch}", *not_found(p.snake, p.name, x.pid)]


def r_list(x: Ctx) -> Block:
    p, rng = x.p, x.rng
    fn = x.unique(f"list_{p.table}")
    eager = [r for r in p.rels if r.many]
    out = [
        f'@router.get("{x.path("get")}", response_model=list[{p.name}Read])',
        f"async def {fn}(page: PageDep, {x.param()}) -> Sequence[{p.name}]:",
        f'    """A page of {p.table.replace("_", " ")}, newest first."""',
        f"    stmt = select({p.name}).order_by({p.name}.id.desc()).limit(page.limit).offset(page.offset)",
    ]
    if eager and rng.random() < 0.6:
        out.append(f"    stmt = stmt.options(selectinload({p.name}.{rng.choice(eager).attr}))")
    if rng.random() < 0.5:
        out += [f"    result = await {x.db}.execute(stmt)", "    return result.scalars().all()"]
    else:
        out += [f"    return (await {x.db}.scalars(stmt)).all()"]
    return Block(out)


def r_get(x: Ctx) -> Block:
    p = x.p
    fn = x.unique(f"get_{p.snake}")
    out = [
        *item_route(x, "get", fn, "", p.name, route_kw=f"response_model={p.name}Read"),
        *fetch_or_404(x),
        f"    return {p.snake}",
    ]
    return Block(out)


def r_detail(x: Ctx) -> Block:
    """select() with selectinload of every collection, then a response model that reads them: correct."""
    p = x.p
    fn = x.unique(f"get_{p.snake}_detail")
    options = ", ".join(f"selectinload({p.name}.{r.attr})" for r in p.rel(many=True))
    out = [
        *item_route(x, "get", fn, "detail", p.name, route_kw=f"response_model={p.name}Detail"),
        f"    stmt = select({p.name}).where({p.name}.id == {x.pid})",
    ]
    if options:
        out.append(f"    stmt = stmt.options({options})")
    out += [*fetch_or_404(x, f"(await {x.db}.execute(stmt)).scalar_one_or_none()"), f"    return {p.snake}"]
    return Block(out)


def r_create(x: Ctx, bug: bool = False) -> Block:
    """Create, commit, refresh, return; with ``bug`` the refresh is missing and the id is read after the commit."""
    p = x.p
    fn = x.unique(f"create_{p.snake}")
    out = [
        f'@router.post("{x.path("post")}", status_code=status.HTTP_201_CREATED)',
        f"async def {fn}(payload: {p.name}Create, {x.param()}) -> dict[str, Any]:",
        f"    {p.snake} = {p.name}(**payload.model_dump())",
        f"    {x.db}.add({p.snake})",
        f"    await {x.db}.commit()",
    ]
    bugs: list[Bug] = []
    if bug:
        bugs.append(Bug(len(out), "GL103", fn))
    else:
        out.append(f"    await {x.db}.refresh({p.snake})")
    out += [
        f'    logger.info("created {p.snake} %s", {p.snake}.id)',
        f'    return {{"id": {p.snake}.id, "{p.title}": {p.snake}.{p.title}}}',
    ]
    return Block(out, bugs)


def r_update(x: Ctx, bug: bool = False) -> Block:
    p = x.p
    fn = x.unique(f"update_{p.snake}")
    out = [
        *item_route(
            x, "patch", fn, "", p.name, route_kw=f"response_model={p.name}Read", params=f"payload: {p.name}Update, "
        ),
        *fetch_or_404(x),
        "    for name, value in payload.model_dump(exclude_unset=True).items():",
        f"        setattr({p.snake}, name, value)",
        f"    await {x.db}.commit()",
    ]
    bugs: list[Bug] = []
    if bug:
        bugs.append(Bug(len(out), "GL103", fn))
        out.append(f'    logger.info("updated %s: %s", {x.pid}, {p.snake}.{p.title})')
    else:
        out.append(f"    await {x.db}.refresh({p.snake})")
    out.append(f"    return {p.snake}")
    return Block(out, bugs)


def r_delete(x: Ctx) -> Block:
    p = x.p
    fn = x.unique(f"delete_{p.snake}")
    out = [
        *item_route(x, "delete", fn, "", "None", route_kw="status_code=status.HTTP_204_NO_CONTENT"),
        f"    {p.snake} = await {x.db}.get({p.name}, {x.pid})",
        f"    if {p.snake} is None:",
        "        return None",
        f"    await {x.db}.delete({p.snake})",
        f"    await {x.db}.commit()",
        "    return None",
    ]
    return Block(out)


def r_children(x: Ctx) -> Block:
    """A collection read correctly: selectinload, or awaitable_attrs (Base has AsyncAttrs)."""
    p, rng = x.p, x.rng
    rels = p.rel(many=True)
    if not rels:
        return r_count(x)
    rel = rng.choice(rels)
    child = x.by_name[rel.target]
    fn = x.unique(f"list_{p.snake}_{rel.attr}")
    out = item_route(x, "get", fn, rel.attr.replace("_", "-"), "list[str]")
    if rng.random() < 0.5:
        out += [
            f"    stmt = select({p.name}).where({p.name}.id == {x.pid}).options(selectinload({p.name}.{rel.attr}))",
            *fetch_or_404(x, f"(await {x.db}.scalars(stmt)).first()"),
            f"    return [item.{child.title} for item in {p.snake}.{rel.attr}]",
        ]
    else:
        out += [
            *fetch_or_404(x),
            f"    items = await {p.snake}.awaitable_attrs.{rel.attr}",
            f"    return [item.{child.title} for item in items]",
        ]
    return Block(out)


def r_eager_read(x: Ctx) -> Block:
    """A relationship read after db.get(): correct when the relationship is eager by default."""
    p = x.p
    eager = [r for r in p.rels if not r.lazy_loads and r.lazy not in ("raise", "write_only")]
    if not eager:
        return r_get(x)
    rel = x.rng.choice(eager)
    target = x.by_name[rel.target]
    fn = x.unique(f"get_{p.snake}_{rel.attr}")
    out = [*item_route(x, "get", fn, "with-" + rel.attr.replace("_", "-"), "dict[str, Any]"), *fetch_or_404(x)]
    if rel.many:
        out.append(f"    related = [item.{target.title} for item in {p.snake}.{rel.attr}]")
    else:
        out.append(f"    related = {p.snake}.{rel.attr}.{target.title} if {p.snake}.{rel.attr} else None")
    out.append(f'    return {{"id": {p.snake}.id, "{rel.attr}": related}}')
    return Block(out)


def r_count(x: Ctx) -> Block:
    p = x.p
    fn = x.unique(f"count_{p.table}")
    out = [
        f'@router.get("{x.path("get", "count")}")',
        f"async def {fn}({x.param()}) -> dict[str, int]:",
        f"    total = await {x.db}.scalar(select(func.count()).select_from({p.name}))",
        '    return {"count": total or 0}',
    ]
    if p.status is not None:
        out[2:2] = [
            "    by_state = {",
            "        row[0]: row[1]",
            f"        for row in await {x.db}.execute(",
            f"            select({p.name}.{p.status}, func.count()).group_by({p.name}.{p.status})",
            "        )",
            "    }",
        ]
        out[-1] = '    return {"count": total or 0, **by_state}'
    return Block(out)


def r_bulk(x: Ctx) -> Block:
    p = x.p
    if p.status is None:
        return r_count(x)
    fn = x.unique(f"bulk_{p.states[2]}_{p.table}")
    out = [
        f'@router.post("{x.path("post", p.states[2])}")',
        f"async def {fn}(ids: list[int], {x.param()}) -> dict[str, int]:",
        "    stmt = (",
        f"        update({p.name})",
        f"        .where({p.name}.id.in_(ids))",
        f'        .values({p.status}="{p.states[2]}")',
        '        .execution_options(synchronize_session="fetch")',
        "    )",
        f"    result = await {x.db}.execute(stmt)",
        f"    await {x.db}.commit()",
        '    return {"updated": result.rowcount}',
    ]
    return Block(out)


def r_search(x: Ctx) -> Block:
    p = x.p
    fn = x.unique(f"search_{p.table}")
    out = [
        f'@router.get("{x.path("get", "search")}", response_model=list[{p.name}Read])',
        f"async def {fn}(",
        f"    {x.param()},",
        "    q: str = Query(min_length=2),",
        "    limit: int = Query(default=20, le=100),",
        f") -> list[{p.name}]:",
        '    pattern = f"%{q.strip()}%"',
        f"    stmt = select({p.name}).where({p.name}.{p.title}.ilike(pattern)).limit(limit)",
        f"    rows = await {x.db}.scalars(stmt)",
        "    return list(rows)",
    ]
    return Block(out)


def r_service_call(x: Ctx) -> Block:
    """Uses the service module's helper and reads columns only: correct."""
    p, service = x.p, x.plan.service
    if service is None:
        return r_search(x)
    fn = x.unique(f"summarize_{p.snake}")
    out = [
        *item_route(x, "get", fn, "summary", "dict[str, Any]"),
        *fetch_or_404(x, f"await fetch_{p.snake}({x.db}, {x.pid})"),
        f'    return {{"id": {p.snake}.id, "{p.title}": {p.snake}.{p.title}, "{p.num}": {num_expr(p, p.snake)}}}',
    ]
    return Block(out)


def r_transition(x: Ctx) -> Block:
    p = x.p
    if p.status is None:
        return r_delete(x)
    fn = x.unique(f"mark_{p.snake}_{p.states[1]}")
    out = [
        *item_route(x, "post", fn, p.states[1], p.name, route_kw=f"response_model={p.name}Read"),
        *fetch_or_404(x, f"await {x.db}.get({p.name}, {x.pid}, with_for_update=True)"),
        f'    if {p.snake}.{p.status} == "{p.states[1]}":',
        f"        return {p.snake}",
        f'    {p.snake}.{p.status} = "{p.states[1]}"',
        f"    await {x.db}.commit()",
        f"    await {x.db}.refresh({p.snake})",
        f"    return {p.snake}",
    ]
    return Block(out)


def r_lazy_bug(x: Ctx) -> Block | None:
    """GL101: a lazy relationship read after ``await db.get()`` (or after the service helper that does it)."""
    p, rng = x.p, x.rng
    rels = [r for r in p.rels if r.lazy_loads]
    if not rels:
        return None
    rel = rng.choice(rels)
    target = x.by_name[rel.target]
    via_service = x.plan.service is not None and rng.random() < 0.4
    fn = x.unique(f"{p.snake}_{rel.attr}_overview")
    out = [
        *item_route(x, "get", fn, rel.attr.replace("_", "-") + "-overview", "dict[str, Any]"),
        *fetch_or_404(x, f"await fetch_{p.snake}({x.db}, {x.pid})" if via_service else None),
    ]
    bugs = [Bug(len(out), "GL101", fn)]
    if rel.many:
        out += [
            f"    labels = [item.{target.title} for item in {p.snake}.{rel.attr}]",
            f'    return {{"id": {p.snake}.id, "count": len(labels), "labels": labels[:10]}}',
        ]
    else:
        out += [
            f"    related = {p.snake}.{rel.attr}",
            f'    return {{"id": {p.snake}.id, "{rel.attr}": related.{target.title} if related else None}}',
        ]
    return Block(out, bugs)


ROUTE_BLOCKS: list[tuple[Callable[[Ctx], Block], int]] = [
    (r_list, 3),
    (r_get, 3),
    (r_detail, 2),
    (r_create, 2),
    (r_update, 2),
    (r_delete, 1),
    (r_children, 3),
    (r_eager_read, 2),
    (r_count, 2),
    (r_bulk, 1),
    (r_search, 2),
    (r_service_call, 2),
    (r_transition, 2),
]


def route_header(x: Ctx, imports: list[str]) -> list[str]:
    p = x.p
    words = p.table.replace("_", " ")
    return [
        f'"""HTTP routes for {words} ({x.plan.domain} domain).',
        "",
        f"Generated by bench/generate_workspace.py (module {x.plan.index}).",
        '"""',
        "",
        "import logging",
        "from collections.abc import Sequence",
        "from typing import Annotated, Any",
        "",
        "from fastapi import APIRouter, Depends, HTTPException, Query, status",
        "from sqlalchemy import func, select, update",
        "from sqlalchemy.ext.asyncio import AsyncSession",
        "from sqlalchemy.orm import selectinload",
        "",
        *imports,
        "",
        "logger = logging.getLogger(__name__)",
        "",
        f'router = APIRouter(prefix="/{x.plan.stem.replace("_", "-")}", tags=["{words}"])',
    ]


# -- service blocks


def s_fetch(x: Ctx) -> Block:
    p = x.p
    return Block(
        [
            f"async def fetch_{p.snake}(db: AsyncSession, {x.pid}: int) -> {p.name} | None:",
            f'    """The {p.snake.replace("_", " ")}, or None; loads no relationship."""',
            f"    return await db.get({p.name}, {x.pid})",
        ]
    )


def s_load_with(x: Ctx) -> Block:
    p = x.p
    rels = p.rel(many=True)
    options = ", ".join(f"selectinload({p.name}.{r.attr})" for r in rels) or 'raiseload("*")'
    fn = x.unique(f"load_{p.snake}_full")
    return Block(
        [
            f"async def {fn}(db: AsyncSession, {x.pid}: int) -> {p.name} | None:",
            f"    stmt = select({p.name}).where({p.name}.id == {x.pid}).options({options})",
            "    result = await db.execute(stmt)",
            "    return result.scalar_one_or_none()",
        ]
    )


def s_list(x: Ctx) -> Block:
    p, rng = x.p, x.rng
    fn = x.unique(f"recent_{p.table}")
    out = [
        f"async def {fn}(db: AsyncSession, limit: int = 50) -> Sequence[{p.name}]:",
        f"    stmt = select({p.name}).order_by({p.name}.id.desc()).limit(limit)",
    ]
    if p.flag is not None and rng.random() < 0.5:
        out.append(f"    stmt = stmt.where({p.name}.{p.flag}.is_(True))")
    out += ["    result = await db.scalars(stmt)", "    return result.all()"]
    return Block(out)


def s_create(x: Ctx) -> Block:
    p = x.p
    fn = x.unique(f"add_{p.snake}")
    return Block(
        [
            f"async def {fn}(db: AsyncSession, **values: Any) -> {p.name}:",
            f'    """Add a {p.snake.replace("_", " ")} and flush it (the caller commits)."""',
            f"    {p.snake} = {p.name}(**values)",
            f"    db.add({p.snake})",
            "    await db.flush()",
            f"    return {p.snake}",
        ]
    )


def s_stream(x: Ctx) -> Block:
    p = x.p
    fn = x.unique(f"iter_{p.table}")
    return Block(
        [
            f"async def {fn}(db: AsyncSession, batch: int = 500) -> AsyncIterator[{p.name}]:",
            f'    """Every {p.snake.replace("_", " ")}, streamed in batches."""',
            f"    stream = await db.stream_scalars(select({p.name}).execution_options(yield_per=batch))",
            "    async for row in stream:",
            "        yield row",
        ]
    )


def s_totals(x: Ctx) -> Block:
    p = x.p
    fn = x.unique(f"{p.num}_totals")
    out = [
        f"async def {fn}(db: AsyncSession) -> dict[str, float]:",
        "    stmt = select(",
        f"        func.coalesce(func.sum({p.name}.{p.num}), 0),",
        f"        func.coalesce(func.avg({p.name}.{p.num}), 0),",
        "    )",
        "    total, average = (await db.execute(stmt)).one()",
        '    return {"total": float(total), "average": float(average)}',
    ]
    return Block(out)


def s_repository(x: Ctx) -> Block:
    p = x.p
    name = x.unique(f"{p.name}Repository")
    out = [
        f"class {name}:",
        f'    """Data access for {p.table.replace("_", " ")}."""',
        "",
        "    def __init__(self, db: AsyncSession) -> None:",
        "        self.db = db",
        "",
        f"    async def get(self, ident: int) -> {p.name} | None:",
        f"        return await self.db.get({p.name}, ident)",
        "",
        f"    async def by_{p.title}(self, value: str) -> {p.name} | None:",
        f"        stmt = select({p.name}).where({p.name}.{p.title} == value)",
        "        return (await self.db.scalars(stmt)).first()",
        "",
        f"    async def save(self, obj: {p.name}) -> {p.name}:",
        "        self.db.add(obj)",
        "        await self.db.commit()",
        "        await self.db.refresh(obj)",
        "        return obj",
        "",
        f"    async def remove(self, obj: {p.name}) -> None:",
        "        await self.db.delete(obj)",
        "        await self.db.commit()",
    ]
    return Block(out)


def s_related(x: Ctx) -> Block:
    """A join across models of two modules."""
    p, rng = x.p, x.rng
    links = [r for r in p.rels if not r.many and r.attr != "parent"]
    if not links:
        return s_totals(x)
    rel = rng.choice(links)
    target = x.by_name[rel.target]
    fn = x.unique(f"{p.table}_by_{rel.attr}")
    return Block(
        [
            f"async def {fn}(db: AsyncSession, {rel.attr}_{target.title}: str) -> Sequence[{p.name}]:",
            "    stmt = (",
            f"        select({p.name})",
            f"        .join({p.name}.{rel.attr})",
            f"        .where({target.name}.{target.title} == {rel.attr}_{target.title})",
            f"        .options(selectinload({p.name}.{rel.attr}))",
            "    )",
            "    return (await db.scalars(stmt)).all()",
        ]
    )


def s_touch(x: Ctx) -> Block:
    """Changes a row, flushes, then refreshes the server-computed column before reading it: correct."""
    p = x.p
    column = p.onupdate or ("updated_at" if p.mixin else None)
    if column is None:
        return s_list(x)
    fn = x.unique(f"touch_{p.snake}")
    return Block(
        [
            f"async def {fn}(db: AsyncSession, {p.snake}: {p.name}, value: str) -> {p.name}:",
            f"    {p.snake}.{p.title} = value",
            "    await db.flush()",
            f'    await db.refresh({p.snake}, ["{column}"])',
            f'    logger.debug("touched %s at %s", {p.snake}.id, {p.snake}.{column})',
            f"    return {p.snake}",
        ]
    )


SERVICE_BLOCKS: list[tuple[Callable[[Ctx], Block], int]] = [
    (s_load_with, 2),
    (s_list, 2),
    (s_create, 2),
    (s_stream, 1),
    (s_totals, 2),
    (s_repository, 1),
    (s_related, 2),
    (s_touch, 2),
]


def service_header(x: Ctx, imports: list[str]) -> list[str]:
    p = x.p
    return [
        f'"""Service helpers for {p.table.replace("_", " ")}: queries the routers share.',
        "",
        f"Generated by bench/generate_workspace.py (module {x.plan.index}).",
        '"""',
        "",
        "import logging",
        "from collections.abc import AsyncIterator, Sequence",
        "from typing import Any",
        "",
        "from sqlalchemy import func, select",
        "from sqlalchemy.ext.asyncio import AsyncSession",
        "from sqlalchemy.orm import raiseload, selectinload",
        "",
        *imports,
        "",
        "logger = logging.getLogger(__name__)",
    ]


# -- imports


def model_import(x: Ctx, module: ModelModule, names: list[str], exported: set[str], depth: int) -> str:
    rng = x.rng
    names = sorted(set(names))
    style = rng.random()
    if style < 0.3 and all(n in exported for n in names):
        return f"from {PACKAGE}.models import {', '.join(names)}"
    if style < 0.65:
        return f"from {'.' * depth}models.{module.name} import {', '.join(names)}"
    return f"from {PACKAGE}.models.{module.name} import {', '.join(names)}"


def module_imports(x: Ctx, exported: set[str]) -> list[str]:
    plan, rng = x.plan, x.rng
    depth = 3 if plan.kind == "route" else 2
    module = plan.module
    by_module: dict[int, list[str]] = {module.index: [module.primary.name]}
    for rel in module.primary.rels:
        target = x.by_name[rel.target]
        by_module.setdefault(target.module, []).append(target.name)
    out = [model_import(x, x.models[m], names, exported, depth) for m, names in sorted(by_module.items())]
    if plan.kind == "route":
        rel_dot = "." * depth
        if x.dep == "SessionDep":
            out.append(
                f"from {PACKAGE}.deps import PageDep, SessionDep"
                if rng.random() < 0.5
                else f"from {rel_dot}deps import PageDep, SessionDep"
            )
        else:
            out.append(f"from {PACKAGE}.deps import PageDep, get_db")
        schema_names = sorted(f"{module.primary.name}{s}" for s in ("Create", "Detail", "Read", "Update"))
        out.append(f"from {PACKAGE}.schemas.{module.schema_module} import {', '.join(schema_names)}")
        if plan.service is not None:
            source = (
                f"{PACKAGE}.services.{plan.service.stem}"
                if rng.random() < 0.5
                else f"{rel_dot}services.{plan.service.stem}"
            )
            out.append(f"from {source} import fetch_{module.primary.snake}")
    return out


# -- assembly


@dataclass
class Module:
    relpath: str
    text: str
    lines: int
    role: str
    bugs: list[dict[str, object]] = field(default_factory=list)


def build_code_module(plan: Plan, seed: int, models: list[ModelModule], exported: set[str], n_bugs: int) -> Module:
    rng = random.Random(f"greenlint-workspace:{seed}:module:{plan.index}")
    target_lines = rng.randint(MIN_LINES, MAX_LINES)
    db = rng.choice(["db", "db", "session"])
    if plan.kind == "route":
        dep = rng.choice(["SessionDep", "SessionDep", "SessionDep", "AsyncSession = Depends(get_db)", "Db"])
    else:
        dep = "AsyncSession"
    by_name = {c.name: c for m in models for c in m.classes}
    x = Ctx(plan, rng, db, dep, by_name, models)
    imports = module_imports(x, exported)
    if plan.kind == "route":
        head = route_header(x, imports)
        if dep == "Db":
            head[-2:-2] = ["Db = Annotated[AsyncSession, Depends(get_db)]", ""]
        makers, first = ROUTE_BLOCKS, [r_list(x), r_get(x)]
    else:
        head = service_header(x, imports)
        makers, first = SERVICE_BLOCKS, [s_fetch(x)]
    bug_blocks: list[Block] = []
    for i in range(n_bugs):
        if i == 0 and rng.random() < 0.7:
            block = r_lazy_bug(x)
            bug_blocks.append(block if block is not None else r_create(x, bug=True))
        else:
            bug_blocks.append(rng.choice([r_create, r_update])(x, bug=True))
    drawn = benchtools.draw_blocks(rng, makers, lambda maker: maker(x), target_lines - 4, head, [*first, *bug_blocks])
    body = [*first, *drawn]
    for block in bug_blocks:
        body.insert(rng.randint(1, len(body)), block)
    lines, located = benchtools.assemble(head, body)
    bugs: list[dict[str, object]] = [
        {"rule": bug.kind, "line": line, "function": bug.function} for line, bug in located
    ]
    return Module(plan.relpath, "\n".join(lines) + "\n", len(lines), plan.kind, bugs)


def plan_code(modules: list[ModelModule], n_modules: int, seed: int) -> list[Plan]:
    rng = random.Random(f"greenlint-workspace:{seed}:plan")
    plans: list[Plan] = []
    counters: dict[str, int] = {}
    for index in range(n_modules):
        module = modules[rng.randrange(len(modules))]
        kind = "service" if rng.random() < SERVICE_SHARE else "route"
        domain = DOMAINS[module.index % len(DOMAINS)]
        base = module.primary.table
        key = f"{kind}:{base}"
        counters[key] = counters.get(key, 0) + 1
        stem = f"{base}_{counters[key]:02d}" if kind == "route" else f"{base}_service_{counters[key]:02d}"
        plans.append(Plan(index, kind, module, domain, stem))
    services: dict[int, Plan] = {}
    for plan in plans:
        if plan.kind == "service":
            services.setdefault(plan.module.index, plan)
    for plan in plans:
        if plan.kind == "route":
            plan.service = services.get(plan.module.index)
    return plans


def render_domain_init(domain: str, routes: list[Plan]) -> list[str]:
    out = [f'"""The {domain} routers."""', "", "from fastapi import APIRouter", ""]
    for plan in routes:
        out.append(f"from .{plan.stem} import router as {plan.stem}_router")
    out += ["", f'router = APIRouter(prefix="/{domain}")']
    for plan in routes:
        out.append(f"router.include_router({plan.stem}_router)")
    return out


def build_workspace(n_models: int, n_modules: int, seed: int) -> list[Module]:
    """Every file of the workspace, in a stable order."""
    models = plan_models(n_models, seed)
    by_name = {c.name: c for m in models for c in m.classes}
    exported = exported_models(models, seed)
    files: list[Module] = []

    def add(relpath: str, lines: list[str], role: str) -> None:
        files.append(Module(relpath, "\n".join(lines) + "\n", len(lines), role))

    add(f"{PACKAGE}/__init__.py", ['"""Generated FastAPI + SQLAlchemy async application."""'], "package")
    add(f"{PACKAGE}/db.py", render_db(seed), "db")
    add(f"{PACKAGE}/deps.py", render_deps(), "deps")
    add(f"{PACKAGE}/models/__init__.py", render_models_init(models, seed), "package")
    add(f"{PACKAGE}/models/base.py", render_base(seed), "base")
    for module in models:
        text, n_lines = render_model_module(module, seed, by_name)
        files.append(Module(f"{PACKAGE}/models/{module.name}.py", text, n_lines, "model"))
    add(f"{PACKAGE}/schemas/__init__.py", ['"""Pydantic schemas."""'], "package")
    for number in range(-(-len(models) // MODELS_PER_SCHEMA_MODULE)):
        group = models[number * MODELS_PER_SCHEMA_MODULE : (number + 1) * MODELS_PER_SCHEMA_MODULE]
        add(f"{PACKAGE}/schemas/s{number:02d}.py", render_schema_module(group, number), "schemas")

    plans = plan_code(models, n_modules, seed)
    rng = random.Random(f"greenlint-workspace:{seed}:bugs")
    routes = [p for p in plans if p.kind == "route"]
    buggy = set(rng.sample([p.index for p in routes], round(len(routes) / 3)))
    add(f"{PACKAGE}/services/__init__.py", ['"""Service helpers shared by the routers."""'], "package")
    add(f"{PACKAGE}/routers/__init__.py", ['"""The HTTP routers, one package per domain."""'], "package")
    domains = sorted({p.domain for p in routes})
    for domain in domains:
        add(
            f"{PACKAGE}/routers/{domain}/__init__.py",
            render_domain_init(domain, [p for p in routes if p.domain == domain]),
            "package",
        )
    add(f"{PACKAGE}/main.py", render_main(domains), "main")
    for plan in plans:
        n_bugs = rng.choice([1, 1, 1, 2]) if plan.index in buggy else 0
        files.append(build_code_module(plan, seed, models, exported, n_bugs))
    return files


def generate(out: Path, n_models: int, n_modules: int, seed: int) -> dict[str, object]:
    """Write the workspace (replacing a previously generated one) and return the manifest."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    files: dict[str, object] = {}
    for module in build_workspace(n_models, n_modules, seed):
        path = out / module.relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(module.text, encoding="utf-8", newline="\n")
        files[module.relpath] = {"lines": module.lines, "role": module.role, "bugs": module.bugs}
    return benchtools.write_manifest(
        out, GENERATOR_VERSION, {"models": n_models, "modules": n_modules, "seed": seed}, files
    )


# --------------------------------------------------------------------------- verification

IMPORT_CHECK = """
import importlib, pathlib, sys
import sqlalchemy.orm
root = pathlib.Path(sys.argv[1])
for path in sorted(root.rglob("*.py")):
    importlib.import_module(".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__"))
sqlalchemy.orm.configure_mappers()
from app.main import app
print(len(app.openapi()["paths"]))
"""


def verify(out: Path, manifest: dict[str, object], import_app: bool) -> list[str]:
    """compile() every module; with ``import_app``, import them all and configure the mappers."""
    problems: list[str] = []
    files = manifest["files"]
    assert isinstance(files, dict)
    for relpath in files:
        text = (out / relpath).read_text(encoding="utf-8")
        try:
            compile(text, relpath, "exec", dont_inherit=True)
        except SyntaxError as exc:
            problems.append(f"{relpath}:{exc.lineno}: SyntaxError: {exc.msg}")
    if import_app and not problems:
        with tempfile.TemporaryDirectory(prefix="greenlint-ws-check-") as tmp:
            database = f"sqlite+aiosqlite:///{Path(tmp) / 'check.db'}"  # never connected to; no asyncpg needed
            env = dict(os.environ, PYTHONPATH=str(out), DATABASE_URL=database)
            proc = subprocess.run(
                [sys.executable, "-W", "error", "-c", IMPORT_CHECK, str(out)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
        if proc.returncode != 0:
            problems.append("importing the app failed:\n" + proc.stderr.strip()[-3000:])
        else:
            print(f"check: imported every module, configured the mappers; {proc.stdout.strip()} API paths")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--models", type=int, default=100, help="model modules (default 100)")
    parser.add_argument("--modules", type=int, default=900, help="route and service modules (default 900)")
    benchtools.generator_options(
        parser, DEFAULT_OUT, "compile() every module; if sqlalchemy and fastapi are installed, also import the app"
    )
    args = parser.parse_args(argv)
    if args.models < 2 or args.modules < 1:
        parser.error("--models must be >= 2 and --modules >= 1")

    elapsed, manifest = benchtools.timed(lambda: generate(args.out, args.models, args.modules, args.seed))
    files = manifest["files"]
    assert isinstance(files, dict)
    n_lines = sum(info["lines"] for info in files.values())
    roles: dict[str, int] = {}
    for info in files.values():
        roles[info["role"]] = roles.get(info["role"], 0) + 1
    bugs = [bug for info in files.values() for bug in info["bugs"]]
    by_rule = {rule: sum(1 for b in bugs if b["rule"] == rule) for rule in sorted({b["rule"] for b in bugs})}
    print(
        f"wrote {len(files)} files, {n_lines} lines to {args.out} in {elapsed:.2f}s "
        f"({', '.join(f'{n} {role}' for role, n in sorted(roles.items()))}); "
        f"seeded bugs: {', '.join(f'{n} {rule}' for rule, n in by_rule.items()) or 'none'}"
    )
    if args.check:
        try:
            import fastapi  # noqa: F401
            import sqlalchemy  # noqa: F401

            import_app = True
        except ImportError:
            import_app = False
        return benchtools.report(verify(args.out, manifest, import_app), "check: every module compiles")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
