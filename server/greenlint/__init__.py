"""greenlint: find and fix misuses of SQLAlchemy's asyncio extension in FastAPI apps."""

__version__ = "0.1.0"
