import asyncio

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from shop.database import SessionDep, get_session
from shop.models import Customer, Order, OrderItem, Product
from shop.notifications import notify_cancelled
from shop.schemas import OrderIn, OrderOut

router = APIRouter(prefix="/orders", tags=["orders"])


@router.post("", response_model=OrderOut, status_code=201)
async def place_order(data: OrderIn, db: SessionDep):
    if await db.get(Customer, data.customer_id) is None:
        raise HTTPException(status_code=404, detail="customer not found")

    wanted: dict[int, int] = {}
    for line in data.lines:
        wanted[line.product_id] = wanted.get(line.product_id, 0) + line.quantity

    stmt = select(Product).where(Product.id.in_(wanted)).with_for_update()
    products = {product.id: product for product in await db.scalars(stmt)}
    if missing := sorted(wanted.keys() - products.keys()):
        raise HTTPException(status_code=404, detail=f"unknown products: {missing}")

    items = []
    for product_id, quantity in wanted.items():
        product = products[product_id]
        if product.stock < quantity:
            raise HTTPException(status_code=409, detail=f"not enough stock for {product.sku}")
        product.stock -= quantity
        items.append(
            OrderItem(product_id=product_id, quantity=quantity, unit_price_cents=product.price_cents)
        )

    order = Order(customer_id=data.customer_id, items=items)
    db.add(order)
    await db.commit()
    # Read it back with its items eagerly loaded for the response model.
    return await db.get(Order, order.id, options=[selectinload(Order.items)])


@router.get("", response_model=list[OrderOut])
async def list_orders(db: SessionDep, status: str = "pending"):
    orders = await db.scalars(select(Order).where(Order.status == status).order_by(Order.id))
    return orders.all()  # expect: GL102


@router.get("/stats")
async def order_stats(db: SessionDep) -> dict[str, int]:
    pending, paid = await asyncio.gather(
        db.scalar(select(func.count()).where(Order.status == "pending")),  # expect: GL201
        db.scalar(select(func.count()).where(Order.status == "paid")),  # expect: GL201
    )
    return {"pending": pending, "paid": paid}


@router.get("/{order_id}", response_model=OrderOut)
async def get_order(order_id: int, db: SessionDep):
    order = await db.get(Order, order_id, options=[selectinload(Order.items)])
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    return order


@router.post("/{order_id}/pay", response_model=OrderOut)
async def pay_order(order_id: int, db: SessionDep):
    order = await db.get(Order, order_id, options=[selectinload(Order.items)])
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    if order.status != "pending":
        raise HTTPException(status_code=409, detail=f"order is {order.status}")
    order.status = "paid"
    await db.commit()
    return order


@router.post("/{order_id}/cancel", status_code=204)
async def cancel_order(order_id: int, db: AsyncSession = Depends(get_session)) -> None:
    order = await db.get(Order, order_id, options=[selectinload(Order.items)])
    if order is None:
        raise HTTPException(status_code=404, detail="order not found")
    if order.status != "pending":
        raise HTTPException(status_code=409, detail=f"order is {order.status}")
    for item in order.items:
        await db.execute(
            update(Product).where(Product.id == item.product_id).values(stock=Product.stock + item.quantity)
        )
    order.status = "cancelled"
    notify_cancelled(order.customer_id, order_id)  # expect: GL204
    db.commit()  # expect: GL002
