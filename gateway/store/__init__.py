"""The gateway's database: tables (``models``), engine and sessions (``db``), the schema's
Alembic revisions (``migrations``), outbound control numbers (``sequences``) and archive
retention (``retention``). No pipeline logic lives here."""
