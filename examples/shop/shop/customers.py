from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, selectinload

from shop.database import engine
from shop.models import Customer
from shop.schemas import CustomerDetail, CustomerIn, CustomerOut

# The customer endpoints keep their own session factory on the shared engine.
CustomerSession = async_sessionmaker(engine, expire_on_commit=False)


async def get_session() -> AsyncIterator[AsyncSession]:
    async with CustomerSession() as session:
        yield session


router = APIRouter(prefix="/customers", tags=["customers"])


@router.post("", response_model=CustomerOut, status_code=201)
async def register_customer(data: CustomerIn, db: AsyncSession = Depends(get_session)):
    customer = Customer(**data.model_dump())
    db.add(customer)
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        raise HTTPException(status_code=409, detail="email already registered") from None
    return customer


@router.get("/search", response_model=list[CustomerOut])
async def search_customers(email: str, db: Session = Depends(get_session)):  # expect: GL003
    return db.query(Customer).filter(Customer.email == email).all()  # expect: GL004


@router.get("/exists")
async def customers_exist(db: AsyncSession = Depends(get_session)) -> dict[str, bool]:
    return {"exists": db.query(Customer).first() is not None}  # expect: GL004


@router.get("/{customer_id}", response_model=CustomerDetail)
async def get_customer(customer_id: int, db: AsyncSession = Depends(get_session)):
    customer = await db.get(Customer, customer_id, options=[selectinload(Customer.orders)])
    if customer is None:
        raise HTTPException(status_code=404, detail="customer not found")
    return customer


@router.get("/{customer_id}/order-count")
async def order_count(customer_id: int, db: AsyncSession = Depends(get_session)) -> dict[str, int]:
    customer = await db.get(Customer, customer_id)
    if customer is None:
        raise HTTPException(status_code=404, detail="customer not found")
    return {"orders": len(customer.orders)}  # expect: GL101
