"""A health check for the load balancer."""
from fastapi import APIRouter
from sqlalchemy import text

from shop.database import JobSession

router = APIRouter(tags=["health"])

# One session for the probe, created at import time.
probe = JobSession()


@router.get("/health")
async def health() -> dict[str, str]:
    await probe.execute(text("SELECT 1"))  # expect: GL205
    return {"status": "ok"}
