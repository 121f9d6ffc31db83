from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shop.database import SessionDep, get_session
from shop.models import Product
from shop.schemas import PriceChange, ProductIn, ProductOut

router = APIRouter(prefix="/products", tags=["catalog"])


@router.get("", response_model=list[ProductOut])
async def list_products(db: SessionDep, in_stock: bool = False):
    stmt = select(Product).order_by(Product.name)
    if in_stock:
        stmt = stmt.where(Product.stock > 0)
    return (await db.scalars(stmt)).all()


@router.post("", response_model=ProductOut, status_code=201)
async def create_product(data: ProductIn, db: SessionDep):
    product = Product(**data.model_dump())
    db.add(product)
    await db.commit()
    return product


@router.get("/names")
async def product_names(db: AsyncSession = Depends(get_session)) -> list[str]:
    return [p.name for p in db.scalars(select(Product).order_by(Product.name)).all()]  # expect: GL002


@router.get("/{product_id}", response_model=ProductOut)
async def get_product(product_id: int, db: SessionDep):
    product = await db.get(Product, product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="product not found")
    return product


@router.get("/{product_id}/label")
async def product_label(product_id: int, db: AsyncSession = Depends(get_session)) -> dict[str, str]:
    product = db.get(Product, product_id)  # expect: GL002
    return {"label": f"{product.name} ({product.sku})"}



@router.put("/{product_id}/price")
async def change_price(product_id: int, change: PriceChange, db: SessionDep) -> dict[str, str]:
    product = await db.get(Product, product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="product not found")
    product.price_cents = change.price_cents
    await db.flush()
    changed_at = product.updated_at  # expect: GL104
    await db.commit()
    return {"sku": product.sku, "changed_at": str(changed_at)}
