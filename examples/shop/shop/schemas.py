from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ORMModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ProductIn(BaseModel):
    sku: str = Field(max_length=32)
    name: str = Field(max_length=200)
    price_cents: int = Field(ge=0)
    stock: int = Field(default=0, ge=0)


class ProductOut(ProductIn, ORMModel):
    id: int


class PriceChange(BaseModel):
    price_cents: int = Field(ge=0)


class CustomerIn(BaseModel):
    name: str = Field(max_length=100)
    email: str = Field(max_length=254)


class CustomerOut(CustomerIn, ORMModel):
    id: int
    created_at: datetime


class OrderSummary(ORMModel):
    id: int
    status: str
    created_at: datetime


class CustomerDetail(CustomerOut):
    orders: list[OrderSummary]


class OrderLineIn(BaseModel):
    product_id: int
    quantity: int = Field(gt=0)


class OrderIn(BaseModel):
    customer_id: int
    lines: list[OrderLineIn] = Field(min_length=1)


class OrderItemOut(ORMModel):
    product_id: int
    quantity: int
    unit_price_cents: int


class OrderOut(ORMModel):
    id: int
    customer_id: int
    status: str
    created_at: datetime
    items: list[OrderItemOut]
