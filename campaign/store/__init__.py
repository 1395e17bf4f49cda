"""Persistence: SQLAlchemy tables, engines and sessions, Alembic migrations, rows as COPY text,
and the scheduler's advisory lock on PostgreSQL."""
