"""A private PostgreSQL server for the test session (the ``pg_server`` / ``pg_url`` fixtures).

``PgServer.start()`` runs ``initdb`` into a temporary folder and ``pg_ctl start`` on a free
loopback port with its unix socket in that folder, trust authentication and a superuser named
``gateway``. PostgreSQL refuses to run as root, so under root (CI, this machine) the server runs
as an unprivileged user: ``postgres`` when the Debian package created it, else ``nobody``.
``find_bin()`` looks for ``pg_ctl`` on PATH and under /usr/lib/postgresql/*/bin; without it the
fixtures skip with the reason (``.ci/run`` installs Debian's postgresql package).

The server is for tests only: fsync is off, so a test database is fast and not durable.
"""

from __future__ import annotations

import atexit
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SUPERUSER = "gateway"
TEMPLATE = "gateway_template"


def find_bin() -> Path | None:
    """The folder of ``pg_ctl``/``initdb``/``postgres``, newest version first; None if none."""
    candidates: list[Path] = []
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).resolve().parent)

    def version(p: Path) -> tuple[int, ...]:
        v = p.parent.name
        return tuple(int(x) for x in v.split(".") if x.isdigit()) or (0,)

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for d in candidates:
        if all((d / exe).is_file() for exe in ("pg_ctl", "initdb", "postgres")):
            return d
    return None


def _run_as() -> str | None:
    """The user to run the server as (None: ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.user = _run_as()
        self.base = Path(tempfile.mkdtemp(prefix="gateway-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = 0
        self._names = itertools.count(1)
        self._running = False

    def _cmd(self, *args: str) -> list[str]:
        if self.user is None:
            return list(args)
        runuser = shutil.which("runuser")
        if runuser:
            return [runuser, "-u", self.user, "--", *args]
        return ["su", "-s", "/bin/sh", self.user, "-c", " ".join(map(_quote, args))]

    def _run(self, *args: str) -> None:
        p = subprocess.run(self._cmd(*args), capture_output=True, text=True, timeout=120,
                           cwd=self.base)
        if p.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(args)} failed ({p.returncode}):\n{p.stdout}"
                               f"{p.stderr}{log}")

    def start(self) -> None:
        if self.user is not None:
            pw = pwd.getpwnam(self.user)
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
                  "--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync")
        for attempt in range(5):
            self.port = _free_port()
            opts = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                    "-c max_connections=100")
            try:
                self._run(str(self.bindir / "pg_ctl"), "start", "-w", "-t", "60",
                          "-D", str(self.data), "-l", str(self.log), "-o", opts)
            except RuntimeError:
                if attempt == 4:
                    raise
                continue
            break
        self._running = True
        atexit.register(self.stop)
        self._admin(f'CREATE DATABASE "{TEMPLATE}"')

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(sql.encode())

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; its SQLAlchemy URL."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        self._admin(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self._running:
            self._running = False
            try:
                self._run(str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data),
                          "-m", "immediate", "-w")
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        shutil.rmtree(self.base, ignore_errors=True)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)
