"""Background jobs (run by the scheduler, not by requests). They use JobSession, which expires on commit."""
from sqlalchemy import delete

from shop.database import JobSession
from shop.models import Order, Product


async def restock(product_id: int, quantity: int) -> dict[str, int]:
    async with JobSession() as db:
        product = await db.get(Product, product_id)
        if product is None:
            raise LookupError(f"no product {product_id}")
        product.stock += quantity
        await db.commit()
        return {"id": product_id, "stock": product.stock}  # expect: GL103


async def import_products(rows: list[dict[str, object]]) -> int:
    async with JobSession() as db:
        for row in rows:
            await db.add(Product(**row))  # expect: GL202
        await db.commit()
    return len(rows)


async def purge_cancelled() -> None:
    with JobSession() as db:  # expect: GL203
        await db.execute(delete(Order).where(Order.status == "cancelled"))
        await db.commit()
