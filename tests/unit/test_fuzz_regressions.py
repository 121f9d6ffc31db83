"""Failures the fuzz tests (tests/fuzz) found, shrunk to plain tests. Each names what the fuzzer saw."""

from __future__ import annotations

from pathlib import Path

from casetools import source
from greenlint.core.analysis import analyze
from greenlint.core.autofix import compiles, fix_text
from greenlint.rules.registry import ALL_RULES

PRODUCTS = source(
    """
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    Sessions = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))


    class Base(DeclarativeBase):
        pass


    class Product(Base):
        __tablename__ = "products"
        id: Mapped[int] = mapped_column(primary_key=True)
        stock: Mapped[int]


    """
)


def test_gl103_read_then_refresh_is_reported_not_a_rule_failure() -> None:
    """Fuzzed examples/shop/shop/jobs.py (a commit moved before a read, the fix's refresh applied): GL103 failed
    with AssertionError. The read was recorded with the instances' state, which the later `refresh` reset before
    the rule looked at it."""
    text = PRODUCTS + source(
        """
        async def restock(product_id: int) -> int:
            async with Sessions() as db:
                product = await db.get(Product, product_id)
                await db.commit()
                stock = product.stock
                await db.refresh(product)
                return stock
        """
    )
    analysis = analyze(text, ALL_RULES)
    assert analysis.failures == []
    assert [(finding.code, finding.start.line) for finding in analysis.findings] == [("GL103", 21)]


def test_gl103_refresh_follows_the_commit_that_expired_the_read() -> None:
    """Same fuzzed module, the fix offered for the first read: with a second commit after the read, the refresh
    went after that second commit (the state named the latest commit), so the read stayed expired."""
    text = PRODUCTS + source(
        """
        async def restock(product_id: int) -> int:
            async with Sessions() as db:
                product = await db.get(Product, product_id)
                await db.commit()
                stock = product.stock
                await db.commit()
                return stock
        """
    )
    analysis = analyze(text, ALL_RULES)
    [finding] = analysis.findings
    assert finding.code == "GL103"
    assert "`await db.commit()` expired it" in finding.message
    assert finding.fix is not None
    fixed = analysis.fixed_text([finding.fix])
    assert fixed == text.replace(
        "        await db.commit()\n        stock",
        "        await db.commit()\n        await db.refresh(product)\n        stock",
    )
    assert analyze(fixed, ALL_RULES).findings == []


PAGES = source(
    """
    from datetime import datetime

    from sqlalchemy import DateTime, func
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class Page(Base):
        __tablename__ = "pages"
        id: Mapped[int] = mapped_column(primary_key=True)
        title: Mapped[str]
        updated_at: Mapped[datetime] = mapped_column(DateTime, onupdate=func.now())


    async def retitle(db: AsyncSession, page_id: int, title: str) -> datetime:
        page = await db.get(Page, page_id)
        page.title = title
        await db.flush()
        stamp = page.updated_at
    """
)


def test_gl104_names_the_flush_before_the_read() -> None:
    """The GL103 bug's twin in GL104 (found reading the fix): a refresh or another flush after the stale read
    changed which flush the message named ("the flush", or the later commit)."""
    for after in ("    await db.refresh(page)\n", '    page.title = "x"\n    await db.commit()\n'):
        analysis = analyze(PAGES + after + "    return stamp\n", ALL_RULES)
        [finding] = analysis.findings
        assert finding.code == "GL104"
        assert "and `await db.flush()` left it unloaded" in finding.message, after


ORDERS = source(
    """
    from fastapi import FastAPI
    from pydantic import BaseModel
    from sqlalchemy import ForeignKey
    from sqlalchemy.ext.asyncio import AsyncSession
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


    class Base(DeclarativeBase):
        pass


    class Order(Base):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)
        status: Mapped[str]
        items: Mapped[list["Item"]] = relationship()


    class Item(Base):
        __tablename__ = "items"
        id: Mapped[int] = mapped_column(primary_key=True)
        order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))


    class ItemOut(BaseModel):
        id: int


    class OrderOut(BaseModel):
        id: int
        items: list[ItemOut]


    app = FastAPI()


    """
)


def test_refresh_loads_again_what_the_loader_options_loaded() -> None:
    """Fuzzed examples/shop workspace (`expire_on_commit=False` dropped from the factory): GL103's fix refreshed
    `order` after the commit in `pay_order`, then GL102 reported `Order.items` as not loaded, although the `get`
    has `selectinload(Order.items)` and a plain refresh applies the instance's loader options again (SQLAlchemy
    2.0 and 2.1). Its fix added the option once more on each pass: fixing twice differed from fixing once."""
    text = ORDERS + source(
        """
        @app.post("/orders/{order_id}/pay", response_model=OrderOut)
        async def pay_order(order_id: int, db: AsyncSession):
            order = await db.get(Order, order_id, options=[selectinload(Order.items)])
            order.status = "paid"
            await db.commit()
            await db.refresh(order)
            return order


        async def item_count(order_id: int, db: AsyncSession) -> int:
            order = await db.get(Order, order_id, options=[selectinload(Order.items)])
            await db.refresh(order)
            return len(order.items)
        """
    )
    assert analyze(text, ALL_RULES).findings == []
    assert fix_text(text, ALL_RULES, unsafe=True).text == text


def test_refresh_expires_what_only_a_named_refresh_loaded() -> None:
    """The other half: a relationship loaded by `refresh(obj, ["items"])` is expired by a later plain refresh,
    and GL101's fix (the option on the `get`) then removes the finding, once."""
    text = ORDERS + source(
        """
        async def item_count(order_id: int, db: AsyncSession) -> int:
            order = await db.get(Order, order_id)
            await db.refresh(order, ["items"])
            count = len(order.items)
            await db.refresh(order)
            return count + len(order.items)
        """
    )
    analysis = analyze(text, ALL_RULES)
    assert [(finding.code, finding.start.line) for finding in analysis.findings] == [("GL101", 42)]
    fixed = fix_text(text, ALL_RULES, unsafe=True).text
    assert "await db.get(Order, order_id, options=[selectinload(Order.items)])" in fixed
    assert analyze(fixed, ALL_RULES).findings == []
    assert fix_text(fixed, ALL_RULES, unsafe=True).text == fixed


def test_gl001_fix_leaves_no_async_with_in_a_plain_function() -> None:
    """Fuzzed GL001 example (the dependency's `yield` moved into a nested `async def`, tabs, CRLF): the fix turned
    the plain function's `with SyncSessions() as session:` into `async with`, which does not compile outside
    `async def`. A `with` that the fix cannot put inside an `async def` now means no fix."""
    text = source(
        """
        from fastapi import Depends
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker

        SyncSessions = sessionmaker(create_engine("sqlite:///app.db"))


        def get_sync_db():
            with SyncSessions() as session:
                async def inner():
                    yield session
        """
    )
    analysis = analyze(text, ALL_RULES)
    assert [finding.code for finding in analysis.findings] == ["GL001"]
    for finding in analysis.findings:
        for fix in [finding.fix, *finding.alternatives]:
            if fix is not None:
                assert compiles(analysis.fixed_text([fix])), fix.message
    assert compiles(fix_text(text, ALL_RULES, unsafe=True).text)


def test_a_text_without_a_path_follows_its_own_functions() -> None:
    """Fuzzed GL001/GL008 example (`check --fix` wrote a different text than `fix_text`): a text analysed without
    a path (an untitled editor document, `fix_text`) has no module name, and its own functions were not found
    when a parameter took the type of the arguments at the call sites. `save` below is called with an
    AsyncSession, so its `db.commit()` is GL002, with a path or without."""
    text = source(
        """
        from sqlalchemy.ext.asyncio import AsyncSession


        async def save(db, item):
            db.add(item)
            db.commit()


        async def create(session: AsyncSession, item) -> None:
            await save(session, item)
        """
    )
    without = analyze(text, ALL_RULES)
    with_path = analyze(text, ALL_RULES, path=Path("app/module.py"))
    assert [(finding.code, finding.start.line) for finding in without.findings] == [("GL002", 6)]
    assert [(finding.code, finding.start.line) for finding in with_path.findings] == [("GL002", 6)]


def test_a_fix_names_a_class_of_its_own_module_without_importing_it() -> None:
    """Fuzzed GL101 example, checked as a file: the nested loader option needs `Order`, which the fix imported
    from the module itself (`from module import Order as Order_`): a saved file got another text than `fix_text`."""
    text = source(
        """
        from sqlalchemy import ForeignKey, select
        from sqlalchemy.ext.asyncio import AsyncSession
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


        class Base(DeclarativeBase):
            pass


        class Customer(Base):
            __tablename__ = "customers"
            id: Mapped[int] = mapped_column(primary_key=True)
            orders: Mapped[list["Order"]] = relationship()


        class Order(Base):
            __tablename__ = "orders"
            id: Mapped[int] = mapped_column(primary_key=True)
            customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
            lines: Mapped[list["Line"]] = relationship()


        class Line(Base):
            __tablename__ = "lines"
            id: Mapped[int] = mapped_column(primary_key=True)
            order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))


        async def line_count(db: AsyncSession, customer_id: int) -> int:
            stmt = select(Customer).where(Customer.id == customer_id).options(selectinload(Customer.orders))
            customer = (await db.execute(stmt)).scalar_one()
            return sum(len(order.lines) for order in customer.orders)
        """
    )
    path = Path("shop/module.py")
    fixed = fix_text(text, ALL_RULES, unsafe=True, path=path).text
    assert ".options(selectinload(Customer.orders).selectinload(Order.lines))" in fixed
    assert "import Order" not in fixed
    assert fixed == fix_text(text, ALL_RULES, unsafe=True).text
    assert analyze(fixed, ALL_RULES, path=path).findings == []
