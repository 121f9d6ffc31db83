"""Generate a deterministic tree of realistic FastAPI + SQLAlchemy 2.x async modules.

The tree is the workload for ``bench/bench_check.py``.  Every module imports from
fastapi, sqlalchemy, sqlalchemy.ext.asyncio and sqlalchemy.orm, declares a few
models, an engine + ``async_sessionmaker``, a session dependency, pydantic
schemas and many route handlers / service functions of varied shapes.

About a third of the modules get 1-3 seeded bugs (missing ``await`` on an
AsyncSession coroutine, ``.query()`` on an AsyncSession, ``await`` inside a plain
``def`` route).  Modules with the last kind do not compile (``await`` outside an
async function) but libcst still parses them.  Every seeded bug is listed, with
its line, in ``MANIFEST.json`` at the root of the tree.

Usage::

    python bench/generate.py                       # 500 modules of ~300 lines
    python bench/generate.py --modules 20 --check  # small tree + compile check
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import benchtools  # noqa: E402  (sibling module, needs the sys.path entry above)
from benchtools import MANIFEST_NAME, Block, Bug, Names, not_found  # noqa: E402

DEFAULT_OUT = BENCH_DIR / "generated" / "tree"
MODULES_PER_PACKAGE = 50
GENERATOR_VERSION = 1

# --------------------------------------------------------------------------- vocabulary

NOUNS: list[tuple[str, str]] = [
    ("order", "orders"),
    ("invoice", "invoices"),
    ("customer", "customers"),
    ("product", "products"),
    ("shipment", "shipments"),
    ("ticket", "tickets"),
    ("project", "projects"),
    ("task", "tasks"),
    ("account", "accounts"),
    ("payment", "payments"),
    ("review", "reviews"),
    ("warehouse", "warehouses"),
    ("vendor", "vendors"),
    ("coupon", "coupons"),
    ("subscription", "subscriptions"),
    ("device", "devices"),
    ("sensor", "sensors"),
    ("article", "articles"),
    ("author", "authors"),
    ("category", "categories"),
    ("booking", "bookings"),
    ("room", "rooms"),
    ("course", "courses"),
    ("lesson", "lessons"),
    ("student", "students"),
    ("playlist", "playlists"),
    ("recipe", "recipes"),
    ("campaign", "campaigns"),
    ("lead", "leads"),
    ("release", "releases"),
    ("pipeline", "pipelines"),
    ("incident", "incidents"),
    ("asset", "assets"),
    ("contract", "contracts"),
    ("policy", "policies"),
    ("claim", "claims"),
    ("vehicle", "vehicles"),
    ("trip", "trips"),
    ("survey", "surveys"),
    ("listing", "listings"),
]
CHILD_NOUNS: list[tuple[str, str]] = [
    ("item", "items"),
    ("line", "lines"),
    ("entry", "entries"),
    ("note", "notes"),
    ("event", "events"),
    ("attachment", "attachments"),
    ("revision", "revisions"),
    ("step", "steps"),
    ("reading", "readings"),
    ("member", "members"),
    ("comment", "comments"),
    ("milestone", "milestones"),
]
TITLE_FIELDS = ["name", "title", "label", "display_name", "headline", "summary"]
STATUS_FIELDS = ["status", "state", "stage", "phase"]
STATUS_VALUES = [
    ("open", "closed", "archived"),
    ("draft", "active", "retired"),
    ("pending", "approved", "rejected"),
    ("new", "in_progress", "done"),
    ("queued", "running", "finished"),
]
NUM_FIELDS = [
    ("amount", "float"),
    ("price", "float"),
    ("total", "float"),
    ("budget", "float"),
    ("score", "int"),
    ("weight", "float"),
    ("balance", "float"),
    ("capacity", "int"),
    ("priority", "int"),
]
BOOL_FIELDS = ["is_active", "archived", "is_public", "enabled", "flagged", "is_pinned"]
TIME_FIELDS = ["created_at", "opened_at", "submitted_at", "registered_at", "published_at"]
CHILD_LABELS = ["sku", "code", "body", "caption", "reference", "description", "slug"]
CHILD_QTYS = ["quantity", "position", "count", "weight_g", "duration_s", "seq"]
DB_VARS = ["db", "session", "db_session", "db", "session"]
DEP_ALIASES = ["SessionDep", "DbSession", "AsyncDB", "DBDep", "SessionDependency"]
FACTORIES = [
    "SessionLocal",
    "async_session_factory",
    "AsyncSessionMaker",
    "session_factory",
    "AsyncSessionFactory",
]
ENGINES = ["engine", "async_engine", "db_engine"]
GET_SESSION_NAMES = ["get_session", "get_db", "get_async_session", "session_dependency"]
CLEAN_HELPERS = ["_clean", "_normalize", "_slugify", "_strip_label"]
DOMAINS = ["billing", "logistics", "catalog", "support", "crm", "iot", "learning", "media", "ops", "people"]
MODULE_KINDS = ["routes", "api", "service", "endpoints", "views", "handlers"]
CURRENCIES = ["EUR", "USD", "GBP", "CHF", "JPY"]
ENV_VARS = ["DATABASE_URL", "DB_URL", "SQLALCHEMY_DATABASE_URI", "ASYNC_DB_DSN"]

BUG_KINDS = ["missing-await", "missing-await-chained", "query-on-async-session", "await-in-sync-def"]
BUG_WEIGHTS = [5, 3, 3, 1]


def camel(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


# --------------------------------------------------------------------------- data model


@dataclass
class Ctx(Names):
    """Identifiers chosen for one module."""

    index: int
    seed: int
    domain: str
    p: str  # parent singular (snake)
    plural: str
    P: str  # parent class name
    c: str  # child singular (snake)
    children: str  # relationship attribute on the parent
    C: str
    A: str  # audit model
    title: str
    status: str
    s0: str
    s1: str
    s2: str
    num: str
    numtype: str
    flag: str
    time: str
    clabel: str
    cqty: str
    db: str
    Dep: str
    Factory: str
    engine: str
    get_session: str
    clean: str
    prefix: str
    currency: str
    title_len: int


def make_ctx(index: int, seed: int, domain: str, rng: random.Random) -> Ctx:
    p, plural = rng.choice(NOUNS)
    c, children = rng.choice(CHILD_NOUNS)
    status = rng.choice(STATUS_FIELDS)
    s0, s1, s2 = rng.choice(STATUS_VALUES)
    num, numtype = rng.choice(NUM_FIELDS)
    version = rng.choice(["", "", "/api/v1", "/api/v2", f"/{domain}"])
    return Ctx(
        index=index,
        seed=seed,
        domain=domain,
        p=p,
        plural=plural,
        P=camel(p),
        c=f"{p}_{c}",
        children=children,
        C=camel(p) + camel(c),
        A=camel(p) + rng.choice(["Audit", "AuditLog", "History", "Change"]),
        title=rng.choice(TITLE_FIELDS),
        status=status,
        s0=s0,
        s1=s1,
        s2=s2,
        num=num,
        numtype=numtype,
        flag=rng.choice(BOOL_FIELDS),
        time=rng.choice(TIME_FIELDS),
        clabel=rng.choice(CHILD_LABELS),
        cqty=rng.choice(CHILD_QTYS),
        db=rng.choice(DB_VARS),
        Dep=rng.choice(DEP_ALIASES),
        Factory=rng.choice(FACTORIES),
        engine=rng.choice(ENGINES),
        get_session=rng.choice(GET_SESSION_NAMES),
        clean=rng.choice(CLEAN_HELPERS),
        prefix=f"{version}/{plural.replace('_', '-')}",
        currency=rng.choice(CURRENCIES),
        title_len=rng.choice([80, 120, 200, 255]),
    )


# --------------------------------------------------------------------------- prologue


def prologue(x: Ctx, rng: random.Random) -> list[str]:
    url = rng.choice(
        [
            f"postgresql+asyncpg://app:app@localhost:5432/{x.domain}",
            f"sqlite+aiosqlite:///./{x.plural}.db",
            f"mysql+aiomysql://svc:svc@db/{x.domain}_{x.plural}",
        ]
    )
    out = [
        f'"""{x.P} API for the {x.domain} domain: routes and services for {x.plural}.',
        "",
        f"Generated by bench/generate.py for greenlint benchmarks (module {x.index}, seed {x.seed}).",
        '"""',
        "",
        "import functools",
        "import logging",
        "import os",
        "import time",
        "from collections.abc import AsyncIterator, Awaitable, Callable, Sequence",
        "from datetime import datetime, timedelta, timezone",
        "from typing import Annotated, Any, TypeVar, cast",
        "",
        "from fastapi import APIRouter, Depends, HTTPException, Query, status",
        "from pydantic import BaseModel, ConfigDict, Field",
        "from sqlalchemy import ForeignKey, String, Text, delete, func, or_, select, update",
        "from sqlalchemy.exc import IntegrityError",
        "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine",
        "from sqlalchemy.orm import (",
        "    DeclarativeBase,",
        "    Mapped,",
        "    Session,",
        "    mapped_column,",
        "    relationship,",
        "    selectinload,",
        ")",
        "",
        "logger = logging.getLogger(__name__)",
        "",
        'F = TypeVar("F", bound=Callable[..., Awaitable[Any]])',
        "",
        f'DATABASE_URL = os.environ.get("{rng.choice(ENV_VARS)}", "{url}")',
        "",
        f"{x.engine} = create_async_engine(",
        "    DATABASE_URL,",
        f"    echo={rng.choice(['False', 'False', 'True'])},",
        "    pool_pre_ping=True,",
        f"    pool_size={rng.choice([5, 10, 20])},",
        ")",
        f"{x.Factory} = async_sessionmaker({x.engine}, expire_on_commit=False, class_=AsyncSession)",
        "",
        "",
        "class Base(DeclarativeBase):",
        '    """Declarative base for this module\'s tables."""',
        "",
        "",
        f"class {x.P}(Base):",
        f'    """A {x.p.replace("_", " ")} row."""',
        "",
        f'    __tablename__ = "{x.plural}"',
        "",
        "    id: Mapped[int] = mapped_column(primary_key=True)",
        f"    {x.title}: Mapped[str] = mapped_column(String({x.title_len}), index=True)",
        f'    {x.status}: Mapped[str] = mapped_column(String(32), default="{x.s0}", server_default="{x.s0}")',
        f"    {x.num}: Mapped[{x.numtype}] = mapped_column(default=0)",
        f"    {x.flag}: Mapped[bool] = mapped_column(default={rng.choice(['True', 'False'])})",
        f"    {x.time}: Mapped[datetime] = mapped_column(default=lambda: datetime.now(timezone.utc))",
        f'    {x.children}: Mapped[list["{x.C}"]] = relationship(',
        f'        back_populates="{x.p}", cascade="all, delete-orphan", lazy="raise"',
        "    )",
        "",
        "    def __repr__(self) -> str:",
        f'        return f"<{x.P} id={{self.id}} {x.title}={{self.{x.title}!r}}>"',
        "",
        "",
        f"class {x.C}(Base):",
        f'    __tablename__ = "{x.c}s"',
        "",
        "    id: Mapped[int] = mapped_column(primary_key=True)",
        f"    {x.p}_id: Mapped[int] = mapped_column(",
        f'        ForeignKey("{x.plural}.id", ondelete="CASCADE"), index=True',
        "    )",
        f"    {x.clabel}: Mapped[str] = mapped_column(String(200))",
        f"    {x.cqty}: Mapped[int] = mapped_column(default=0)",
        f'    {x.p}: Mapped["{x.P}"] = relationship(back_populates="{x.children}")',
        "",
        "",
        f"class {x.A}(Base):",
        f'    """Append-only log of changes to {x.plural}."""',
        "",
        f'    __tablename__ = "{x.p}_audit"',
        "",
        "    id: Mapped[int] = mapped_column(primary_key=True)",
        f'    {x.p}_id: Mapped[int] = mapped_column(ForeignKey("{x.plural}.id"))',
        "    action: Mapped[str] = mapped_column(String(64))",
        "    details: Mapped[str | None] = mapped_column(Text, default=None)",
        "    created_at: Mapped[datetime] = mapped_column(default=lambda: datetime.now(timezone.utc))",
        "",
        "",
        f"async def {x.get_session}() -> AsyncIterator[AsyncSession]:",
        '    """FastAPI dependency: one session per request."""',
        f"    async with {x.Factory}() as session:",
    ]
    if rng.random() < 0.5:
        out += ["        yield session"]
    else:
        out += [
            "        try:",
            "            yield session",
            "        except Exception:",
            "            await session.rollback()",
            "            raise",
        ]
    out += [
        "",
        "",
        f"{x.Dep} = Annotated[AsyncSession, Depends({x.get_session})]",
        "",
        "",
        f"class {x.P}Base(BaseModel):",
        f"    {x.title}: str = Field(min_length=1, max_length={x.title_len})",
        f'    {x.status}: str = "{x.s0}"',
        f"    {x.num}: {x.numtype} = Field(default=0, ge=0)",
        f"    {x.flag}: bool = True",
        "",
        "",
        f"class {x.P}Create({x.P}Base):",
        "    pass",
        "",
        "",
        f"class {x.P}Update(BaseModel):",
        f"    {x.title}: str | None = None",
        f"    {x.status}: str | None = None",
        f"    {x.num}: {x.numtype} | None = None",
        "",
        "",
        f"class {x.P}Read({x.P}Base):",
        "    model_config = ConfigDict(from_attributes=True)",
        "",
        "    id: int",
        f"    {x.time}: datetime",
        "",
        "",
        f"class {x.C}Create(BaseModel):",
        f"    {x.clabel}: str",
        f"    {x.cqty}: int | None = None",
        "",
        "",
        f"class {x.C}Read({x.C}Create):",
        "    model_config = ConfigDict(from_attributes=True)",
        "",
        "    id: int",
        f"    {x.p}_id: int",
        "",
        "",
        f"def {x.clean}(value: str) -> str:",
        '    """Collapse whitespace and lower-case a user supplied label."""',
        '    return " ".join(value.split()).strip().lower()',
        "",
        "",
        "def traced(name: str) -> Callable[[F], F]:",
        '    """Log how long an async service call took."""',
        "",
        "    def decorator(func: F) -> F:",
        "        @functools.wraps(func)",
        "        async def wrapper(*args: Any, **kwargs: Any) -> Any:",
        "            started = time.perf_counter()",
        "            try:",
        "                return await func(*args, **kwargs)",
        "            finally:",
        '                logger.debug("%s took %.3fs", name, time.perf_counter() - started)',
        "",
        "        return cast(F, wrapper)",
        "",
        "    return decorator",
        "",
        "",
        f'router = APIRouter(prefix="{x.prefix}", tags=["{x.plural}"])',
    ]
    return out


# --------------------------------------------------------------------------- blocks


def b_list(x: Ctx, rng: random.Random) -> Block:
    fn = x.unique(f"list_{x.plural}")
    limit = rng.choice([20, 50, 100])
    out = [
        f'@router.get("{x.path("get")}", response_model=list[{x.P}Read])',
        f"async def {fn}(",
        f"    {x.db}: {x.Dep},",
        f"    {x.status}_filter: str | None = Query(default=None),",
        f"    limit: int = Query(default={limit}, ge=1, le=500),",
        "    offset: int = Query(default=0, ge=0),",
        f") -> list[{x.P}]:",
        f'    """Return a page of {x.plural}, newest first."""',
        "    stmt = (",
        f"        select({x.P})",
        f"        .options(selectinload({x.P}.{x.children}))",
        f"        .order_by({x.P}.{x.time}.desc())",
        "    )",
        f"    if {x.status}_filter is not None:",
        f"        stmt = stmt.where({x.P}.{x.status} == {x.status}_filter)",
    ]
    if rng.random() < 0.5:
        out += [
            f"    result = await {x.db}.execute(stmt.limit(limit).offset(offset))",
            "    return list(result.scalars().all())",
        ]
    else:
        out += [
            f"    rows = await {x.db}.scalars(stmt.limit(limit).offset(offset))",
            "    return list(rows)",
        ]
    return Block(out)


def b_get(x: Ctx, rng: random.Random) -> Block:
    fn = x.unique(f"get_{x.p}")
    out = [
        f'@router.get("{x.path("get", "{" + x.p + "_id}")}", response_model={x.P}Read)',
        f"async def {fn}({x.p}_id: int, {x.db}: {x.Dep}) -> {x.P}:",
        f"    {x.p} = await {x.db}.get({x.P}, {x.p}_id, options=[selectinload({x.P}.{x.children})])",
        *not_found(x.p, x.P, f"{x.p}_id"),
        f"    return {x.p}",
    ]
    return Block(out)


def b_create(x: Ctx, rng: random.Random, bug: str | None = None) -> Block:
    fn = x.unique(f"create_{x.p}")
    out = [
        f'@router.post("{x.path("post")}", response_model={x.P}Read, status_code=status.HTTP_201_CREATED)',
        f"async def {fn}(payload: {x.P}Create, {x.db}: {x.Dep}) -> {x.P}:",
        f'    """Create a new {x.p.replace("_", " ")}."""',
        f"    {x.p} = {x.P}(**payload.model_dump())",
        f"    {x.p}.{x.title} = {x.clean}({x.p}.{x.title})",
        f"    {x.db}.add({x.p})",
    ]
    bugs: list[Bug] = []
    calls = [("commit", f"{x.db}.commit()"), ("refresh", f"{x.db}.refresh({x.p})")]
    if rng.random() < 0.4:
        calls.insert(0, ("flush", f"{x.db}.flush()"))
    for name, call in calls:
        if bug == name:
            bugs.append(Bug(len(out), "missing-await", fn))
            out.append(f"    {call}")
        else:
            out.append(f"    await {call}")
    out += [
        f'    logger.info("created {x.p} %s", {x.p}.id)',
        f"    return {x.p}",
    ]
    return Block(out, bugs)


def b_update(x: Ctx, rng: random.Random, bug: str | None = None) -> Block:
    fn = x.unique(f"update_{x.p}")
    out = [
        f'@router.patch("{x.path("patch", "{" + x.p + "_id}")}", response_model={x.P}Read)',
        f"async def {fn}(",
        f"    {x.p}_id: int,",
        f"    payload: {x.P}Update,",
        f"    {x.db}: {x.Dep},",
        f") -> {x.P}:",
        f"    {x.p} = await {x.db}.get({x.P}, {x.p}_id)",
        *not_found(x.p, x.P, f"{x.p}_id"),
        "    changes = payload.model_dump(exclude_unset=True)",
        "    for field_name, value in changes.items():",
        "        # only touch columns the client actually sent",
        f"        setattr({x.p}, field_name, value)",
    ]
    bugs: list[Bug] = []
    for name, call in [("commit", f"{x.db}.commit()"), ("refresh", f"{x.db}.refresh({x.p})")]:
        if bug == name:
            bugs.append(Bug(len(out), "missing-await", fn))
            out.append(f"    {call}")
        else:
            out.append(f"    await {call}")
    out.append(f"    return {x.p}")
    return Block(out, bugs)


def b_delete(x: Ctx, rng: random.Random, bug: str | None = None) -> Block:
    fn = x.unique(f"delete_{x.p}")
    out = [
        f'@router.delete("{x.path("delete", "{" + x.p + "_id}")}", status_code=status.HTTP_204_NO_CONTENT)',
        f"async def {fn}({x.p}_id: int, {x.db}: {x.Dep}) -> None:",
        f'    """Delete a {x.p.replace("_", " ")}; deleting twice is not an error."""',
        f"    {x.p} = await {x.db}.get({x.P}, {x.p}_id)",
        f"    if {x.p} is None:",
        "        return None",
    ]
    bugs: list[Bug] = []
    for name, call in [("delete", f"{x.db}.delete({x.p})"), ("commit", f"{x.db}.commit()")]:
        if bug == name:
            bugs.append(Bug(len(out), "missing-await", fn))
            out.append(f"    {call}")
        else:
            out.append(f"    await {call}")
    out.append("    return None")
    return Block(out, bugs)


def b_add_children(x: Ctx, rng: random.Random) -> Block:
    fn = x.unique(f"add_{x.children}")
    out = [
        f'@router.post("{x.path("post", "{" + x.p + "_id}", x.children)}", response_model=list[{x.C}Read])',
        f"async def {fn}(",
        f"    {x.p}_id: int,",
        f"    payload: list[{x.C}Create],",
        f"    {x.db}: {x.Dep},",
        f") -> list[{x.C}]:",
        f"    parent = await {x.db}.get({x.P}, {x.p}_id)",
        "    if parent is None:",
        f'        raise HTTPException(status_code=404, detail="{x.p} not found")',
        f"    created: list[{x.C}] = []",
        "    for index, item in enumerate(payload):",
        "        # keep the client's ordering stable",
        f"        child = {x.C}(",
        f"            {x.p}_id=parent.id,",
        f"            {x.clabel}={x.clean}(item.{x.clabel}),",
        f"            {x.cqty}=item.{x.cqty} if item.{x.cqty} is not None else index,",
        "        )",
        f"        {x.db}.add(child)",
        "        created.append(child)",
        "    try:",
        f"        await {x.db}.flush()",
        "    except IntegrityError as exc:",
        f"        await {x.db}.rollback()",
        f'        raise HTTPException(status_code=409, detail="duplicate {x.children}") from exc',
        f"    await {x.db}.commit()",
        "    return created",
    ]
    return Block(out)


def b_stats(x: Ctx, rng: random.Random) -> Block:
    fn = x.unique(f"{x.p}_stats")
    out = [
        f'@router.get("{x.path("get", "stats")}")',
        f"async def {fn}({x.db}: {x.Dep}) -> dict[str, Any]:",
        f'    """Aggregate {x.plural} by {x.status}."""',
        "    stmt = (",
        f"        select({x.P}.{x.status}, func.count({x.P}.id), func.coalesce(func.sum({x.P}.{x.num}), 0))",
        f"        .group_by({x.P}.{x.status})",
        f"        .order_by(func.count({x.P}.id).desc())",
        "    )",
        f"    rows = (await {x.db}.execute(stmt)).all()",
        '    by_value = {row[0]: {"count": row[1], "total": float(row[2])} for row in rows}',
        '    grand_total = sum(entry["count"] for entry in by_value.values())',
        f'    return {{"total": grand_total, "by_{x.status}": by_value}}',
    ]
    return Block(out)


def b_bulk_update(x: Ctx, rng: random.Random) -> Block:
    fn = x.unique(f"bulk_set_{x.status}")
    out = [
        f"async def {fn}({x.db}: AsyncSession, ids: Sequence[int], new_value: str) -> int:",
        f'    """Move several {x.plural} to another {x.status} in one statement."""',
        "    if not ids:",
        "        return 0",
        "    stmt = (",
        f"        update({x.P})",
        f"        .where({x.P}.id.in_(ids))",
        f"        .values({x.status}=new_value)",
        "        .execution_options(synchronize_session=False)",
        "    )",
        f"    result = await {x.db}.execute(stmt)",
        f"    await {x.db}.commit()",
        "    return int(result.rowcount or 0)",
    ]
    return Block(out)


def b_format_helper(x: Ctx, rng: random.Random) -> Block:
    fn = x.unique(f"describe_{x.p}")
    out = [
        f'def {fn}({x.p}: {x.P}, *, currency: str = "{x.currency}") -> str:',
        '    """Human readable one-line summary, used in notifications."""',
        "    parts = [",
        f'        f"#{{{x.p}.id}}",',
        f"        {x.p}.{x.title},",
        f'        f"{{{x.p}.{x.num}:.2f}} {{currency}}",',
        "    ]",
        f'    if getattr({x.p}, "{x.flag}", False):',
        f'        parts.append("({x.flag.replace("_", " ")})")',
        '    return " | ".join(str(part) for part in parts if part)',
    ]
    return Block(out)


def b_repository(x: Ctx, rng: random.Random) -> Block:
    cls = x.unique(f"{x.P}Repository")
    dep = x.unique(f"get_{x.p}_repository")
    route = x.unique(f"count_{x.plural}")
    out = [
        f"class {cls}:",
        '    """Thin data-access wrapper around an AsyncSession."""',
        "",
        "    def __init__(self, session: AsyncSession) -> None:",
        "        self.session = session",
        "",
        f"    async def by_id(self, {x.p}_id: int) -> {x.P} | None:",
        f"        return await self.session.get({x.P}, {x.p}_id)",
        "",
        f"    async def active(self, limit: int = 100) -> list[{x.P}]:",
        f"        stmt = select({x.P}).where({x.P}.{x.flag}.is_(True)).limit(limit)",
        "        result = await self.session.scalars(stmt)",
        "        return list(result)",
        "",
        f"    async def add(self, {x.p}: {x.P}) -> {x.P}:",
        f"        self.session.add({x.p})",
        "        await self.session.flush()",
        f"        return {x.p}",
        "",
        "    async def count(self) -> int:",
        f"        total = await self.session.scalar(select(func.count()).select_from({x.P}))",
        "        return total or 0",
        "",
        "",
        f"def {dep}({x.db}: {x.Dep}) -> {cls}:",
        f"    return {cls}({x.db})",
        "",
        "",
        f'@router.get("{x.path("get", "count")}")',
        f"async def {route}(repo: Annotated[{cls}, Depends({dep})]) -> dict[str, int]:",
        '    return {"count": await repo.count()}',
    ]
    return Block(out)


def b_background(x: Ctx, rng: random.Random) -> Block:
    fn = x.unique(f"archive_stale_{x.plural}")
    out = [
        f"async def {fn}(batch_size: int = {rng.choice([100, 250, 500])}) -> int:",
        f'    """Archive stale {x.plural}; runs from a scheduler, not from a request."""',
        f"    cutoff = datetime.now(timezone.utc) - timedelta(days={rng.choice([7, 30, 90, 365])})",
        "    archived = 0",
        f"    async with {x.Factory}() as session:",
        "        async with session.begin():",
        f"            stmt = select({x.P}).where({x.P}.{x.time} < cutoff).limit(batch_size)",
        f"            for {x.p} in (await session.scalars(stmt)).all():",
        f'                {x.p}.{x.status} = "{x.s2}"',
        "                archived += 1",
        f'    logger.info("archived %d {x.plural}", archived)',
        "    return archived",
    ]
    return Block(out)


def b_export(x: Ctx, rng: random.Random) -> Block:
    fn = x.unique(f"export_{x.plural}")
    out = [
        f'@router.get("{x.path("get", "export")}")',
        f"async def {fn}({x.db}: {x.Dep}) -> list[dict[str, Any]]:",
        '    """Stream every row instead of loading the whole table at once."""',
        "    rows: list[dict[str, Any]] = []",
        f"    stream = await {x.db}.stream_scalars(select({x.P}).order_by({x.P}.id))",
        f"    async for {x.p} in stream:",
        "        rows.append(",
        "            {",
        f'                "id": {x.p}.id,',
        f'                "{x.title}": {x.p}.{x.title},',
        f'                "{x.status}": {x.p}.{x.status},',
        f'                "{x.time}": {x.p}.{x.time}.isoformat(),',
        "            }",
        "        )",
        "    return rows",
    ]
    return Block(out)


def b_search(x: Ctx, rng: random.Random) -> Block:
    fn = x.unique(f"search_{x.plural}")
    out = [
        f'@router.get("{x.path("get", "search")}", response_model=list[{x.P}Read])',
        f"async def {fn}(",
        "    q: Annotated[str, Query(min_length=2)],",
        f"    {x.db}: {x.Dep},",
        "    active_only: bool = False,",
        f") -> Sequence[{x.P}]:",
        '    pattern = f"%{q.strip()}%"',
        f"    stmt = select({x.P}).where(",
        f"        or_({x.P}.{x.title}.ilike(pattern), {x.P}.{x.status}.ilike(pattern))",
        "    )",
        "    if active_only:",
        f"        stmt = stmt.where({x.P}.{x.flag}.is_(True))",
        f"    result = await {x.db}.execute(stmt.order_by({x.P}.{x.title}))",
        "    return result.scalars().all()",
    ]
    return Block(out)


def b_batches(x: Ctx, rng: random.Random) -> Block:
    gen = x.unique(f"iter_{x.p}_batches")
    fn = x.unique(f"sum_{x.num}")
    out = [
        f"async def {gen}({x.db}: AsyncSession, batch_size: int = 200) -> AsyncIterator[list[{x.P}]]:",
        '    """Keyset pagination over the whole table."""',
        "    last_id = 0",
        "    while True:",
        f"        stmt = select({x.P}).where({x.P}.id > last_id).order_by({x.P}.id).limit(batch_size)",
        f"        batch = list((await {x.db}.scalars(stmt)).all())",
        "        if not batch:",
        "            break",
        "        yield batch",
        "        last_id = batch[-1].id",
        "",
        "",
        f"async def {fn}({x.db}: AsyncSession) -> float:",
        "    total = 0.0",
        f"    async for batch in {gen}({x.db}):",
        f"        total += sum(item.{x.num} or 0 for item in batch)",
        "    return total",
    ]
    return Block(out)


def b_transition(x: Ctx, rng: random.Random) -> Block:
    helper = x.unique(f"next_{x.status}")
    fn = x.unique(f"transition_{x.p}")
    out = [
        f"def {helper}(current: str, action: str) -> str:",
        f'    """Compute the next {x.status} of a {x.p.replace("_", " ")}."""',
        "    match (current, action):",
        f'        case ("{x.s0}", "advance"):',
        f'            return "{x.s1}"',
        f'        case ("{x.s1}", "advance"):',
        f'            return "{x.s2}"',
        '        case (_, "reset"):',
        f'            return "{x.s0}"',
        "        case _:",
        '            raise ValueError(f"cannot {action} from {current!r}")',
        "",
        "",
        f'@router.post("{x.path("post", "{" + x.p + "_id}", "transition")}")',
        f"async def {fn}({x.p}_id: int, action: str, {x.db}: {x.Dep}) -> dict[str, str]:",
        f"    {x.p} = await {x.db}.get({x.P}, {x.p}_id, with_for_update=True)",
        f"    if {x.p} is None:",
        "        raise HTTPException(status_code=404)",
        "    try:",
        f"        {x.p}.{x.status} = {helper}({x.p}.{x.status}, action)",
        "    except ValueError as exc:",
        "        raise HTTPException(status_code=422, detail=str(exc)) from exc",
        "    else:",
        f"        await {x.db}.commit()",
        f'    return {{"{x.status}": {x.p}.{x.status}}}',
    ]
    return Block(out)


def b_traced_service(x: Ctx, rng: random.Random) -> Block:
    fn = x.unique(f"load_{x.p}_detail")
    out = [
        f'@traced("{fn}")',
        f"async def {fn}({x.db}: AsyncSession, {x.p}_id: int) -> {x.P}Read | None:",
        "    stmt = (",
        f"        select({x.P})",
        f"        .where({x.P}.id == {x.p}_id)",
        f"        .options(selectinload({x.P}.{x.children}))",
        "    )",
        f"    {x.p} = (await {x.db}.execute(stmt)).scalar_one_or_none()",
        f"    if {x.p} is None:",
        "        return None",
        "    # sorted copy so the response is stable",
        f"    ordered = sorted({x.p}.{x.children}, key=lambda child: (child.{x.cqty}, child.id))",
        f'    logger.debug("%s has %d {x.children}", {x.p}.id, len(ordered))',
        f"    return {x.P}Read.model_validate({x.p})",
    ]
    return Block(out)


def b_join(x: Ctx, rng: random.Random) -> Block:
    fn = x.unique(f"{x.plural}_with_{x.children}")
    out = [
        f'@router.get("{x.path("get", "with-" + x.children)}")',
        f"async def {fn}({x.db}: {x.Dep}, minimum: int = 1) -> list[dict[str, Any]]:",
        "    stmt = (",
        f'        select({x.P}.id, {x.P}.{x.title}, func.count({x.C}.id).label("n"))',
        f"        .join({x.C}, {x.C}.{x.p}_id == {x.P}.id)",
        f"        .group_by({x.P}.id, {x.P}.{x.title})",
        f"        .having(func.count({x.C}.id) >= minimum)",
        "    )",
        f"    result = await {x.db}.execute(stmt)",
        "    return [",
        f'        {{"id": row.id, "{x.title}": row.{x.title}, "{x.children}": row.n}}',
        "        for row in result",
        "    ]",
    ]
    return Block(out)


def b_audit(x: Ctx, rng: random.Random) -> Block:
    fn = x.unique(f"record_{x.p}_change")
    prune = x.unique(f"prune_{x.p}_history")
    out = [
        f"async def {fn}({x.db}: AsyncSession, {x.p}: {x.P}, action: str, **extra: Any) -> None:",
        f'    """Record what happened to a {x.p.replace("_", " ")}; the caller commits."""',
        '    details = ", ".join(f"{key}={value!r}" for key, value in sorted(extra.items()))',
        f"    {x.db}.add({x.A}({x.p}_id={x.p}.id, action=action, details=details or None))",
        f"    await {x.db}.flush()",
        "",
        "",
        f"async def {prune}({x.db}: AsyncSession, *, days: int = {rng.choice([30, 90, 180])}) -> int:",
        "    cutoff = datetime.now(timezone.utc) - timedelta(days=days)",
        f"    result = await {x.db}.execute(delete({x.A}).where({x.A}.created_at < cutoff))",
        f"    await {x.db}.commit()",
        "    return int(result.rowcount or 0)",
    ]
    return Block(out)


def b_run_sync(x: Ctx, rng: random.Random) -> Block:
    fn = x.unique(f"legacy_{x.title}s")
    out = [
        f"async def {fn}({x.db}: AsyncSession, limit: int = 20) -> list[str]:",
        '    """Reuse a sync helper through run_sync (Session.query is fine there)."""',
        "",
        "    def _collect(sync_session: Session) -> list[str]:",
        f"        return [row.{x.title} for row in sync_session.query({x.P}).limit(limit)]",
        "",
        f"    return await {x.db}.run_sync(_collect)",
    ]
    return Block(out)


def b_scalar_count(x: Ctx, rng: random.Random) -> Block:
    fn = x.unique(f"{x.p}_summary")
    out = [
        f'@router.get("{x.path("get", "summary")}")',
        f"async def {fn}({x.db}: {x.Dep}) -> dict[str, int | float]:",
        f"    total = await {x.db}.scalar(select(func.count()).select_from({x.P}))",
        f"    flagged = await {x.db}.scalar(",
        f"        select(func.count()).select_from({x.P}).where({x.P}.{x.flag}.is_(True))",
        "    )",
        f"    average = await {x.db}.scalar(select(func.avg({x.P}.{x.num})))",
        "    return {",
        '        "total": total or 0,',
        f'        "{x.flag}": flagged or 0,',
        f'        "avg_{x.num}": round(float(average or 0), 2),',
        "    }",
    ]
    return Block(out)


BLOCKS: list[tuple[Callable[[Ctx, random.Random], Block], int]] = [
    (b_list, 3),
    (b_get, 3),
    (b_create, 2),
    (b_update, 2),
    (b_delete, 2),
    (b_add_children, 2),
    (b_stats, 2),
    (b_bulk_update, 2),
    (b_format_helper, 1),
    (b_repository, 1),
    (b_background, 2),
    (b_export, 1),
    (b_search, 2),
    (b_batches, 1),
    (b_transition, 1),
    (b_traced_service, 2),
    (b_join, 2),
    (b_audit, 1),
    (b_run_sync, 1),
    (b_scalar_count, 2),
]

# --------------------------------------------------------------------------- bug blocks


def bug_block(x: Ctx, rng: random.Random, kind: str) -> Block:
    if kind == "missing-await":
        maker = rng.choice(["create", "update", "delete"])
        if maker == "create":
            return b_create(x, rng, bug=rng.choice(["commit", "refresh"]))
        if maker == "update":
            return b_update(x, rng, bug=rng.choice(["commit", "refresh"]))
        return b_delete(x, rng, bug=rng.choice(["delete", "commit"]))
    if kind == "missing-await-chained":
        fn = x.unique(f"active_{x.plural}")
        out = [
            f'@router.get("{x.path("get", "active")}", response_model=list[{x.P}Read])',
            f"async def {fn}({x.db}: {x.Dep}) -> list[{x.P}]:",
            f"    q = select({x.P}).where({x.P}.{x.flag}.is_(True)).order_by({x.P}.id)",
            f"    return list({x.db}.scalars(q).all())",
        ]
        return Block(out, [Bug(3, kind, fn)])
    if kind == "query-on-async-session":
        fn = x.unique(f"legacy_list_{x.plural}")
        out = [
            f'@router.get("{x.path("get", "legacy")}", response_model=list[{x.P}Read])',
            f"async def {fn}({x.db}: {x.Dep}) -> list[{x.P}Read]:",
            "    # ported from the old sync codebase",
            f"    {x.plural} = {x.db}.query({x.P}).all()",
            f"    return [{x.P}Read.model_validate(obj) for obj in {x.plural}]",
        ]
        return Block(out, [Bug(3, kind, fn)])
    if kind == "await-in-sync-def":
        fn = x.unique(f"touch_{x.p}")
        out = [
            f'@router.post("{x.path("post", "{" + x.p + "_id}", "touch")}")',
            f"def {fn}({x.p}_id: int, {x.db}: {x.Dep}) -> dict[str, int]:",
            f"    {x.p} = await {x.db}.get({x.P}, {x.p}_id)",
            f"    if {x.p} is None:",
            "        raise HTTPException(status_code=404)",
            f"    {x.p}.{x.time} = datetime.now(timezone.utc)",
            f"    await {x.db}.commit()",
            f'    return {{"id": {x.p}.id}}',
        ]
        return Block(out, [Bug(2, kind, fn)])
    raise ValueError(kind)


# --------------------------------------------------------------------------- assembly


@dataclass
class Module:
    relpath: str
    text: str
    lines: int
    bugs: list[dict[str, object]]
    compiles: bool


def build_module(index: int, seed: int, package: str, domain: str, target_lines: int, n_bugs: int) -> Module:
    rng = random.Random(f"greenlint-bench:{seed}:{index}")
    x = make_ctx(index, seed, domain, rng)
    relpath = f"{package}/{x.plural}_{rng.choice(MODULE_KINDS)}_{index:04d}.py"
    head = prologue(x, rng)

    bug_blocks = [bug_block(x, rng, kind) for kind in rng.choices(BUG_KINDS, BUG_WEIGHTS, k=n_bugs)]
    body = benchtools.draw_blocks(rng, BLOCKS, lambda maker: maker(x, rng), target_lines - 1, head, bug_blocks)
    for block in bug_blocks:
        body.insert(rng.randint(0, len(body)), block)

    lines, located = benchtools.assemble(head, body)
    bugs: list[dict[str, object]] = [
        {"kind": bug.kind, "line": line, "function": bug.function} for line, bug in located
    ]
    compiles = not any(b["kind"] == "await-in-sync-def" for b in bugs)
    return Module(relpath, "\n".join(lines) + "\n", len(lines), bugs, compiles)


def plan(n_modules: int, seed: int) -> list[tuple[int, str, str, int]]:
    """(index, package, domain, bug count) for every module, deterministic in ``seed``."""
    rng = random.Random(f"greenlint-bench:{seed}:plan")
    n_packages = max(1, -(-n_modules // MODULES_PER_PACKAGE))
    buggy = set(rng.sample(range(n_modules), round(n_modules / 3)))
    rows: list[tuple[int, str, str, int]] = []
    for index in range(n_modules):
        package = index * n_packages // n_modules
        domain = DOMAINS[package % len(DOMAINS)]
        n_bugs = rng.choice([1, 1, 2, 3]) if index in buggy else 0
        rows.append((index, f"{domain}_{package:02d}", domain, n_bugs))
    return rows


def generate(out: Path, n_modules: int, target_lines: int, seed: int) -> dict[str, object]:
    """Write the tree (replacing a previously generated one) and return the manifest."""
    if out.exists():
        if (out / MANIFEST_NAME).is_file():
            shutil.rmtree(out)
        elif any(out.iterdir()):
            raise SystemExit(f"refusing to overwrite {out}: not empty and has no {MANIFEST_NAME}")
    out.mkdir(parents=True, exist_ok=True)
    root_doc = '"""Generated benchmark tree (bench/generate.py)."""\n'
    (out / "__init__.py").write_text(root_doc, encoding="utf-8")

    files: dict[str, object] = {}
    packages: set[str] = set()
    for index, package_name, domain, n_bugs in plan(n_modules, seed):
        module = build_module(index, seed, package_name, domain, target_lines, n_bugs)
        path = out / module.relpath
        package = path.parent
        if package.name not in packages:
            packages.add(package.name)
            package.mkdir(parents=True, exist_ok=True)
            (package / "__init__.py").write_text(
                f'"""Generated {domain} services ({package.name})."""\n', encoding="utf-8"
            )
        path.write_text(module.text, encoding="utf-8", newline="\n")
        files[module.relpath] = {"lines": module.lines, "compiles": module.compiles, "bugs": module.bugs}

    return benchtools.write_manifest(
        out, GENERATOR_VERSION, {"modules": n_modules, "lines": target_lines, "seed": seed}, files
    )


def verify(out: Path, manifest: dict[str, object]) -> list[str]:
    """compile() every module; only the modules marked ``compiles: false`` may fail."""
    problems: list[str] = []
    files = manifest["files"]
    assert isinstance(files, dict)
    for relpath, info in files.items():
        text = (out / relpath).read_text(encoding="utf-8")
        if "sqlalchemy" not in text:
            problems.append(f"{relpath}: does not mention sqlalchemy")
        try:
            compile(text, relpath, "exec", dont_inherit=True)
            ok = True
        except SyntaxError as exc:
            ok = False
            if info["compiles"]:
                problems.append(f"{relpath}:{exc.lineno}: unexpected SyntaxError: {exc.msg}")
        if ok and not info["compiles"]:
            problems.append(f"{relpath}: expected a SyntaxError (await in sync def) but it compiled")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--modules", type=int, default=500, help="number of modules (default 500)")
    parser.add_argument("--lines", type=int, default=300, help="approximate lines per module (default 300)")
    benchtools.generator_options(parser, DEFAULT_OUT, "compile() every module after generating")
    args = parser.parse_args(argv)
    if args.modules < 1:
        parser.error("--modules must be >= 1")

    elapsed, manifest = benchtools.timed(lambda: generate(args.out, args.modules, args.lines, args.seed))
    files = manifest["files"]
    assert isinstance(files, dict)
    n_lines = sum(info["lines"] for info in files.values())
    n_bugs = sum(len(info["bugs"]) for info in files.values())
    n_buggy = sum(1 for info in files.values() if info["bugs"])
    n_nocompile = sum(1 for info in files.values() if not info["compiles"])
    print(
        f"wrote {len(files)} modules, {n_lines} lines to {args.out} in {elapsed:.2f}s; "
        f"{n_bugs} seeded bugs in {n_buggy} modules ({n_nocompile} with await in a sync def)"
    )
    if args.check:
        return benchtools.report(
            verify(args.out, manifest),
            "check: every module mentions sqlalchemy and compiles (except the await-in-sync-def ones)",
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
