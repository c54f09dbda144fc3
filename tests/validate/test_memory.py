"""Memory is bounded by the largest transaction set, not by the file: validating a file four
times as long must not need noticeably more memory (streaming mode keeps totals only)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from gateway.validate.run import Options, validate_file

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "fixtures/x12/004010/850/valid_dc_order_with_store_sdq.edi"


def peak_for(path: Path) -> tuple[int, dict[str, int]]:
    validate_file(path, Options(keep_reports=False))  # warm: guides loaded, patterns compiled
    tracemalloc.start()
    report = validate_file(path, Options(keep_reports=False))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, report.totals


def test_peak_memory_is_flat_as_files_grow(tmp_path: Path) -> None:
    one = SAMPLE.read_bytes()
    small, large = tmp_path / "small.edi", tmp_path / "large.edi"
    small.write_bytes(one * 1000)
    large.write_bytes(one * 4000)
    peak_small, totals_small = peak_for(small)
    peak_large, totals_large = peak_for(large)
    assert totals_small["sets_accepted"] == 1000 and totals_large["sets_accepted"] == 4000
    assert totals_large["sets_rejected"] == 0
    assert large.stat().st_size > 4 << 20  # several 1 MiB chunks
    assert peak_large < peak_small * 1.3 + (512 << 10), (peak_small, peak_large)
