"""Crash points for the fault tests: ``EDI_GATEWAY_CRASH_AT=<point>`` makes the process kill
itself with SIGKILL when it reaches that point, the way a power cut or the OOM killer would.
Unset (always, outside the tests) it costs one dictionary lookup.

Points: ``ingest-after-archive`` (bytes archived, nothing recorded), ``ingest-after-commit``
(recorded, the dropped file not yet removed), ``<step>-before-commit`` for the pipeline steps
``process``, ``send`` and ``deliver`` (the step's work done, its transaction not committed),
``deliver-after-erp`` (the ERP has the document, the ledger does not know yet).
"""

from __future__ import annotations

import os
import signal


def crash_point(name: str) -> None:
    if os.environ.get("EDI_GATEWAY_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
