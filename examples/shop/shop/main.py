from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from shop import catalog, customers, health, orders, reports
from shop.database import engine, init_models

# Not imported here:
# - shop.admin does not compile (see its docstring); importing it would break the whole app.
# - shop.warehouse is a nightly job run on its own: python -m shop.warehouse


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    await init_models()
    yield
    await engine.dispose()


app = FastAPI(title="shop", lifespan=lifespan)
app.include_router(catalog.router)
app.include_router(customers.router)
app.include_router(orders.router)
app.include_router(reports.router)
app.include_router(health.router)
