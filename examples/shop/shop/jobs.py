"""Background jobs (run by the scheduler, not by requests). They use JobSession, which expires on commit."""
from shop.database import JobSession
from shop.models import Product


async def restock(product_id: int, quantity: int) -> dict[str, int]:
    async with JobSession() as db:
        product = await db.get(Product, product_id)
        if product is None:
            raise LookupError(f"no product {product_id}")
        product.stock += quantity
        await db.commit()
        return {"id": product_id, "stock": product.stock}  # expect: GL103
