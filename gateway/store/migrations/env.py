"""Alembic's environment for the store: runs on the connection the caller passes in
``config.attributes["connection"]`` (``Store.migrate``, ``python -m gateway.store.migrations``),
inside the caller's transaction."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from gateway.store.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        compare_type=True,
        # SQLite alters tables by copying them: later revisions use op.batch_alter_table
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    if context.is_offline_mode():
        raise SystemExit("offline (--sql) migrations are not supported")
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise SystemExit("run migrations through Store.migrate() or "
                         "python -m gateway.store.migrations")
    _run(connection)


run()
