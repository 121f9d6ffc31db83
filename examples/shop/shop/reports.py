"""Sales reports. They read through their own (synchronous) engine."""
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from shop.models import Order, OrderItem, Product

REPORTS_DATABASE_URL = "sqlite:///./shop.db"

reports_engine = create_engine(REPORTS_DATABASE_URL, pool_pre_ping=True)  # expect: GL001
ReportSession = sessionmaker(bind=reports_engine, autoflush=False)


async def get_report_db() -> AsyncIterator[Session]:
    db = ReportSession()
    try:
        yield db
    finally:
        db.close()


class TopProduct(BaseModel):
    name: str
    units: int


class Revenue(BaseModel):
    orders: int
    revenue_cents: int


router = APIRouter(prefix="/reports", tags=["reports"])


@router.get("/top-products")
async def top_products(limit: int = 10, db: Session = Depends(get_report_db)) -> list[TopProduct]:
    units = func.sum(OrderItem.quantity).label("units")
    stmt = (
        select(Product.name, units)
        .join(OrderItem, OrderItem.product_id == Product.id)
        .group_by(Product.id, Product.name)
        .order_by(units.desc())
        .limit(limit)
    )
    rows = db.execute(stmt).all()  # expect: GL008
    return [TopProduct(name=name, units=total) for name, total in rows]


@router.get("/revenue")
def revenue(db: Session = Depends(get_report_db)) -> Revenue:
    stmt = (
        select(
            func.count(func.distinct(Order.id)),
            func.coalesce(func.sum(OrderItem.quantity * OrderItem.unit_price_cents), 0),
        )
        .join(OrderItem, OrderItem.order_id == Order.id)
        .where(Order.status == "paid")
    )
    orders, cents = db.execute(stmt).one()
    return Revenue(orders=orders, revenue_cents=cents)
