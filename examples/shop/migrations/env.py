"""Alembic-style migration environment (without Alembic): creates the shop schema.

Run from examples/shop: python -m migrations.env [--offline]
"""
import sys

from sqlalchemy import create_engine, pool
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from shop.models import Base

DATABASE_URL = "postgresql+asyncpg://shop:shop@localhost/shop"
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Print the DDL instead of running it."""
    dialect = postgresql.dialect()
    for table in target_metadata.sorted_tables:
        print(f"{str(CreateTable(table).compile(dialect=dialect)).strip()};\n")


def run_migrations_online() -> None:
    connectable = create_engine(DATABASE_URL, poolclass=pool.NullPool)  # expect: GL007
    with connectable.begin() as connection:
        target_metadata.create_all(connection)


if __name__ == "__main__":
    if "--offline" in sys.argv:
        run_migrations_offline()
    else:
        run_migrations_online()
