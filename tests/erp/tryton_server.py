"""A real trytond 8.2 on loopback for the ERP tests.

Three layers, each cached outside the clone (``$EDI_GATEWAY_CACHE``, else
``$XDG_CACHE_HOME/edi-gateway``, else ``~/.cache/edi-gateway``):

1. :func:`ensure_venv`: a venv of its own with trytond, the modules the flows need and proteus
   (about 15 s of pip on the first run). trytond pins its own Werkzeug, python-sql, relatorio…
   and the gateway never imports it: it talks to Tryton over HTTP only, so the server gets
   its own interpreter, as in production, and the gateway's venv stays as it is.
2. :func:`ensure_template`: a SQLite database with the modules activated and the master data
   of ``tryton_master.py`` (50-90 s), snapshotted with ``VACUUM INTO`` under a key of the
   trytond version and the year (fiscal years depend on the date).
3. :class:`TrytonServer`: per test session, a copy of the template and ``trytond -d edi`` on a
   free loopback port; :meth:`TrytonServer.stop` sends SIGTERM to that one process.

``python -m tests.erp.tryton_server prepare`` builds 1 and 2 ahead (``bin/setup`` builds 1).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

SERIES = "8.2"
PACKAGES = tuple(f"{name}=={SERIES}.*" for name in (
    "trytond", "trytond-party", "trytond-company", "trytond-product", "trytond-stock",
    "trytond-account-invoice", "trytond-sale", "trytond-purchase", "proteus"))
MODULES = ("sale", "purchase")  # with --activate-dependencies: the 14 modules the flows need
ADMIN_PASSWORD = "admin"
DATABASE = "edi"
HERE = Path(__file__).resolve().parent
REPLENISHMENT = HERE.parents[1] / "fixtures/partners/acme-supply/outbound/850-replenishment.json"


class TrytonUnavailable(Exception):
    """trytond could not be installed or its template built (no network, pip failed…)."""


def cache_dir() -> Path:
    root = os.environ.get("EDI_GATEWAY_CACHE")
    if root:
        return Path(root)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "edi-gateway"


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    """Several test sessions (or bin/setup beside pytest) build each layer once."""
    cache_dir().mkdir(parents=True, exist_ok=True)
    with open(cache_dir() / f"{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def _run(cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
         timeout: float = 600) -> None:
    proc = subprocess.run(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode:
        tail = (proc.stdout + proc.stderr)[-3000:]
        raise TrytonUnavailable(f"{Path(cmd[0]).name} {' '.join(cmd[1:3])}… exited "
                                f"{proc.returncode}:\n{tail}")


def ensure_venv() -> Path:
    """The Tryton venv, created with pip on first use; its path."""
    path = cache_dir() / f"tryton-venv-{SERIES}"
    stamp = path / ".edi-gateway-installed"
    wanted = "\n".join(PACKAGES)
    if stamp.is_file() and stamp.read_text() == wanted:
        return path
    with _locked(path.name):
        if stamp.is_file() and stamp.read_text() == wanted:
            return path
        shutil.rmtree(path, ignore_errors=True)
        # the base interpreter, not this venv's: the Tryton venv must not see the gateway's
        venv.EnvBuilder(with_pip=True).create(path)
        try:
            _run([str(path / "bin/python"), "-m", "pip", "install", "--quiet",
                  "--disable-pip-version-check", *PACKAGES])
        except (TrytonUnavailable, subprocess.TimeoutExpired) as exc:
            shutil.rmtree(path, ignore_errors=True)
            raise TrytonUnavailable(f"pip could not install {SERIES} trytond: {exc}") from exc
        stamp.write_text(wanted)
    return path


def trytond_version(venv_path: Path) -> str:
    out = subprocess.run([str(venv_path / "bin/python"), "-c",
                          "import trytond; print(trytond.__version__)"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def _write_conf(path: Path, db_dir: Path, port: int) -> None:
    path.write_text(f"[database]\nuri = sqlite://\npath = {db_dir}\n"
                    f"[web]\nlisten = 127.0.0.1:{port}\n"
                    "[session]\ntimeout = 3600\n")


def ensure_template(venv_path: Path) -> Path:
    """The template database file, built on first use; its path.

    Keyed on the trytond version and the year, and on the master data script's mtime
    so a change to it rebuilds."""
    script = HERE / "tryton_master.py"
    key = (f"edi-{trytond_version(venv_path)}-{date.today().year}"
           f"-{int(script.stat().st_mtime)}")
    target = cache_dir() / "tryton-templates" / f"{key}.sqlite"
    if target.is_file():
        return target
    with _locked("tryton-template"):
        if target.is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="tryton-template-") as tmp:
            work = Path(tmp)
            conf = work / "trytond.conf"
            _write_conf(conf, work, free_port())
            (work / f"{DATABASE}.sqlite").touch()  # the sqlite backend wants the file there
            (work / "admin.pass").write_text(ADMIN_PASSWORD + "\n")
            env = {**os.environ, "TRYTONPASSFILE": str(work / "admin.pass")}
            env.pop("PYTHONPATH", None)
            # --email: without it trytond-admin prompts on stdin and dies on EOF
            _run([str(venv_path / "bin/trytond-admin"), "-c", str(conf), "-d", DATABASE,
                  "-u", *MODULES, "--activate-dependencies", "--email", "admin@example.com"],
                 env=env, cwd=work)
            _run([str(venv_path / "bin/python"), str(script),
                  f"sqlite:///{DATABASE}", str(conf), str(REPLENISHMENT)], env=env, cwd=work)
            partial = target.with_suffix(".partial")
            partial.unlink(missing_ok=True)
            with contextlib.closing(sqlite3.connect(work / f"{DATABASE}.sqlite")) as db:
                db.execute("VACUUM INTO ?", (str(partial),))
            partial.rename(target)
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class TrytonServer:
    """``trytond -d edi`` on a copy of the template, in ``workdir``, on a free port."""

    def __init__(self, venv_path: Path, template: Path, workdir: Path) -> None:
        self.venv = venv_path
        self.template = template
        self.workdir = workdir
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, *, fresh: bool = True, same_port: bool = False, timeout: float = 60) -> None:
        """Start (again). ``fresh``: a new copy of the template first; ``same_port``: on the
        port of the last run (a restart the clients do not notice but for the downtime)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        db = self.workdir / f"{DATABASE}.sqlite"
        if fresh or not db.exists():
            for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
                stale.unlink(missing_ok=True)
            shutil.copyfile(self.template, db)
        if not (same_port and self.port):
            self.port = free_port()
        conf = self.workdir / "trytond.conf"
        _write_conf(conf, self.workdir, self.port)
        log = open(self.workdir / "trytond.log", "ab")  # noqa: SIM115 - the process owns it
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        # -d: the pool loads before the port opens, so "accepts connections" means ready
        self.proc = subprocess.Popen(
            [str(self.venv / "bin/trytond"), "-c", str(conf), "-d", DATABASE],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        log.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise TrytonUnavailable(f"trytond exited {self.proc.returncode}: "
                                        f"{self.log_tail()}")
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", self.port), timeout=0.2):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise TrytonUnavailable(f"trytond did not open port {self.port} in "
                                        f"{timeout:.0f} s: {self.log_tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM to our own trytond process, and wait for it."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def log_tail(self, size: int = 2000) -> str:
        path = self.workdir / "trytond.log"
        return path.read_text(errors="replace")[-size:] if path.exists() else ""


def main(argv: list[str]) -> int:
    what = argv[1] if len(argv) > 1 else "prepare"
    if what not in ("venv", "prepare"):
        print("usage: python -m tests.erp.tryton_server [venv|prepare]", file=sys.stderr)
        return 2
    start = time.monotonic()
    path = ensure_venv()
    print(f"tryton venv: {path} ({time.monotonic() - start:.1f} s)")
    if what == "prepare":
        print(f"tryton template: {ensure_template(path)} ({time.monotonic() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))


def start_or_skip(workdir: Path) -> TrytonServer:
    """trytond on a fresh copy of the cached template in ``workdir``; without the network to
    install it the test skips with the reason, under CI (``CI`` set) it fails instead, so a
    CI run never passes with the ERP tests unrun."""
    import os

    import pytest

    try:
        venv = ensure_venv()
        server = TrytonServer(venv, ensure_template(venv), workdir)
        server.start()
    except TrytonUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"trytond unavailable under CI: {exc}")
        pytest.skip(f"trytond unavailable: {exc}")
    return server
