"""A real ``edi-gateway serve`` process for the fault and scale-out tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def serve(data: Path, archive: Path, *, env: dict[str, str] | None = None,
          database: str | None = None, workers: int = 1,
          extra: list[str] | None = None) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "gateway.cli", "serve", "--data-dir", str(data),
           "--archive", str(archive), "--workers", str(workers), "--scan-interval", "0.1",
           "--stable-for", "0", "--claim-seconds", "1", *(extra or [])]
    if database:
        cmd += ["--database", database]
    log = open(data.parent / f"serve-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log,
                            stderr=subprocess.STDOUT)


def drop(data: Path, partner: str, source: Path, name: str | None = None) -> Path:
    """Write-then-rename into the partner's inbound folder, as producers should."""
    inbound = data / "partners" / partner / "inbound"
    inbound.mkdir(parents=True, exist_ok=True)
    target = inbound / (name or source.name)
    tmp = inbound / f".{target.name}.tmp"
    shutil.copyfile(source, tmp)
    tmp.rename(target)
    return target


def wait_for(check: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or check}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
