"""Build the connector a partner profile's ``[erp]`` table asks for.

``connector_for(None, data_dir)`` (a profile without ``[erp]``) is the embedded default: the
file connector writing canonical JSON into ``<data_dir>/erp-out/``. A file connector's
relative ``directory`` is relative to ``data_dir`` too. Secrets and database URLs are read
from the environment variables the profile names, here, once: a variable that is not set is a
:class:`~gateway.errors.ConfigError` at start-up rather than a failed delivery later.
"""

from __future__ import annotations

from pathlib import Path

from gateway.erp import Connector
from gateway.erp.file import FileConnector
from gateway.erp.sql import SqlConnector, dsn_from_env
from gateway.erp.webhook import WebhookConnector, secret_from_env
from gateway.errors import ConfigError
from gateway.partners.endpoints import Erp, FileErp, SqlErp, TrytonErp, WebhookErp

DEFAULT_DIRECTORY = "erp-out"


def connector_for(settings: Erp | None, data_dir: Path) -> Connector:
    """The connector for ``settings`` (a partner's ``[erp]``); the caller closes it."""
    if settings is None:
        return FileConnector(data_dir / DEFAULT_DIRECTORY, "json")
    if isinstance(settings, FileErp):
        return FileConnector(data_dir / settings.directory, settings.format,
                             keep_markers=settings.keep_markers)
    if isinstance(settings, WebhookErp):
        return WebhookConnector(str(settings.url), secret=secret_from_env(settings.secret_env),
                                timeout=settings.timeout)
    if isinstance(settings, SqlErp):
        return SqlConnector(dsn_from_env(settings.dsn_env), settings.table)
    if isinstance(settings, TrytonErp):
        return _tryton(settings)
    raise ConfigError(f"unknown ERP connector {settings!r}")


def _tryton(settings: TrytonErp) -> Connector:
    # imported when asked for: only Tryton partners need the JSON-RPC client and its mapping
    from gateway.erp.tryton import connector_for_settings

    return connector_for_settings(settings)
