"""Nightly export of yesterday's sales into the analytics warehouse.

Run on its own (cron): python -m shop.warehouse. The web app does not import it.
"""
import asyncio
import os
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from shop.models import Order, OrderItem

WAREHOUSE_URL = "postgresql://etl@warehouse.internal/analytics"  # expect: GL006
warehouse_engine = create_async_engine(WAREHOUSE_URL, pool_size=2)

# In production this reads a replica; locally it reads the app's own SQLite file.
replica_engine = create_async_engine(
    os.getenv("SHOP_REPLICA_URL", "sqlite:///./shop.db"),  # expect: GL006
    pool_pre_ping=True,
)
ReplicaSession = async_sessionmaker(replica_engine, expire_on_commit=False)


async def export_day(day: date) -> None:
    start = datetime.combine(day, time.min, tzinfo=timezone.utc)
    end = start + timedelta(days=1)
    revenue = func.coalesce(func.sum(OrderItem.quantity * OrderItem.unit_price_cents), 0)
    stmt = (
        select(func.count(func.distinct(Order.id)), revenue)
        .join(OrderItem, OrderItem.order_id == Order.id)
        .where(Order.status == "paid", Order.created_at >= start, Order.created_at < end)
    )
    async with ReplicaSession() as session:
        orders, revenue_cents = (await session.execute(stmt)).one()
    async with warehouse_engine.begin() as conn:
        await conn.execute(
            text("INSERT INTO daily_sales (day, orders, revenue_cents) VALUES (:day, :orders, :cents)"),
            {"day": day, "orders": orders, "cents": revenue_cents},
        )


async def main() -> None:
    try:
        await export_day(date.today() - timedelta(days=1))
    finally:
        await replica_engine.dispose()
        await warehouse_engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
