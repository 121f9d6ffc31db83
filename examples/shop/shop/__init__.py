"""A small shop API: products, customers and orders on SQLAlchemy's asyncio extension."""
