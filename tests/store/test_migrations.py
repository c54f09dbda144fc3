"""The Alembic revisions make exactly the tables of models.py, on SQLite and PostgreSQL, and
ship inside the package."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, inspect

from gateway.store.db import Store, open_store
from gateway.store.migrations import alembic_config
from gateway.store.models import Base

ROOT = Path(__file__).resolve().parents[2]
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def differences(store: Store, metadata: MetaData = Base.metadata) -> list[object]:
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True,
                                                     "compare_server_default": True})
        return list(compare_metadata(ctx, metadata))


def test_upgrade_head_makes_exactly_the_models_tables(db_url: str) -> None:
    store = open_store(db_url)
    assert store.revision() is None
    store.migrate()
    assert store.revision() == HEAD
    assert differences(store) == []
    assert set(inspect(store.engine).get_table_names()) == \
        set(Base.metadata.tables) | {"alembic_version"}
    store.migrate()  # again: nothing to do
    assert store.revision() == HEAD
    store.close()


def test_the_comparison_sees_a_difference(db_url: str) -> None:
    """The check above would catch a model changed without a revision."""
    store = open_store(db_url)
    store.migrate()
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["files"].append_column(Column("new_column", Integer))
    diff = differences(store, changed)
    assert [d[0] for d in diff if isinstance(d, tuple)] == ["add_column"]
    store.close()


def test_concurrent_migrations_wait_for_each_other(db_url: str) -> None:
    errors: list[BaseException] = []
    gate = threading.Barrier(3)

    def migrate() -> None:
        store = open_store(db_url)
        gate.wait()
        try:
            store.migrate()
        except BaseException as exc:
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=migrate) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = open_store(db_url)
    assert store.revision() == HEAD and differences(store) == []
    store.close()


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    store = open_store(db_url)
    store.migrate()
    cfg = alembic_config()
    with store.connect(write=True) as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(inspect(store.engine).get_table_names()) <= {"alembic_version"}
    store.migrate()
    assert differences(store) == []
    store.close()


def test_an_installed_package_carries_its_migrations(tmp_path: Path) -> None:
    """setuptools' build_py (what a wheel or an install copies) takes the migration
    environment along, and the copy migrates a database on its own."""
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    build = tmp_path / "build"
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dist = Distribution({"script_name": "setup.py"})
            apply_configuration(dist, ROOT / "pyproject.toml")
            cmd = dist.get_command_obj("build_py")
            cmd.build_lib = str(build)  # type: ignore[attr-defined]
            cmd.ensure_finalized()
            cmd.run()
    finally:
        os.chdir(cwd)
    migrations = build / "gateway" / "store" / "migrations"
    for name in ("env.py", "script.py.mako", "versions/0001_initial.py"):
        assert (migrations / name).is_file(), name
    code = ("import gateway, sys; from gateway.store.db import open_store; "
            f"s = open_store({f'sqlite:///{tmp_path}/x.db'!r}); s.migrate(); "
            "print(gateway.__file__, s.revision())")
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                       text=True, env={**os.environ, "PYTHONPATH": str(build)}, timeout=120)
    assert p.returncode == 0, p.stderr
    where, revision = p.stdout.split()
    assert where.startswith(str(build)) and revision == HEAD


def test_a_queue_from_before_0002_keeps_its_rows(db_url: str) -> None:
    """Work queued by a gateway of revision 0001 is still there after the upgrade, with no
    origin (such deliveries go first, as they did)."""
    from datetime import datetime

    from sqlalchemy import text

    store = open_store(db_url)
    store.migrate("0001")
    with store.connect(write=True) as conn, conn.begin():
        conn.execute(text("INSERT INTO work (item_kind, item_id, step, partner_id, not_before, "
                          "attempts) VALUES ('delivery', 7, 'deliver', 'bigbox', :t, 0)"),
                     {"t": datetime(2026, 1, 5)})
    store.migrate()
    assert store.revision() == HEAD and differences(store) == []
    with store.connect() as conn:
        assert conn.execute(text("SELECT item_id, origin FROM work")).all() == [(7, None)]
    store.close()
