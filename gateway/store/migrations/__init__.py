"""The Alembic environment of the store, shipped inside the package (no alembic.ini).

``Store.migrate()`` runs it. A developer adds a revision after changing ``models.py`` with::

    python -m gateway.store.migrations revision -m "what changed" --autogenerate \\
        --url sqlite:///var/gateway.db

which compares the models with a database migrated to the newest revision (for SQLite, migrate
a scratch database first) and writes ``versions/NNNN_*.py`` to review by hand.
"""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config() -> Config:
    """An Alembic config for this folder. The caller hands ``env.py`` its connection through
    ``config.attributes["connection"]``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", str(HERE / "versions"))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return cfg
