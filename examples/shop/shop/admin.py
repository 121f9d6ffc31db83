"""Back-office endpoints.

shop.main does NOT import this module: it does not compile ("'await' outside async function"),
so importing it would take the whole app down.
"""
from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.database import get_session
from shop.models import Order

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/orders/pending")
def pending_orders(db: AsyncSession = Depends(get_session)) -> list[int]:
    result = await db.execute(select(Order.id).where(Order.status == "pending"))  # expect: GL005
    return list(result.scalars())


def archive(db: AsyncSession, orders: list[Order]) -> None:
    async with db.begin():  # expect: GL005
        for order in orders:
            order.status = "archived"

