"""Failures the fuzz tests (tests/fuzz) found, shrunk to plain tests. Each names what the fuzzer saw."""

from __future__ import annotations

from casetools import source
from greenlint.core.analysis import analyze
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
