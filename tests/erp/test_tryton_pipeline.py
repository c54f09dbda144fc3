"""End to end with the real ERP: ``edi-gateway serve`` with a Tryton URL, the example partners'
files dropped into their folders, and the sale orders, the purchase, the incoming shipment and
the supplier invoice read back from a real trytond (a fresh copy of the template database)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.erp.jsonrpc import TrytonRpc
from tests.erp.tryton_server import ADMIN_PASSWORD, DATABASE, TrytonServer, start_or_skip
from tests.pipeline.gateway_proc import drop, serve, stop, wait_for

pytestmark = pytest.mark.erp

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "fixtures" / "partners"


@pytest.fixture
def fresh_tryton(tmp_path: Path) -> Iterator[TrytonServer]:
    server = start_or_skip(tmp_path / "tryton")
    try:
        yield server
    finally:
        server.stop()


def test_partner_files_become_sales_a_shipment_and_a_supplier_invoice_in_tryton(
        tmp_path: Path, fresh_tryton: TrytonServer) -> None:
    data, archive = tmp_path / "var", tmp_path / "archive"
    data.mkdir()
    url = f"http://admin@127.0.0.1:{fresh_tryton.port}/{DATABASE}"
    env = {"TRYTON_PASSWORD": ADMIN_PASSWORD}
    # our PO to Acme Supply went out through the gateway: its 855/856/810 are checked against it
    subprocess.run([sys.executable, "-m", "gateway.cli", "send",
                    str(CASES / "acme-supply" / "outbound" / "850-replenishment.json"),
                    "--partner", "acme-supply", "--data-dir", str(data), "--archive",
                    str(archive)], cwd=ROOT, check=True, capture_output=True)
    proc = serve(data, archive, env=env, extra=["--tryton-url", url])
    try:
        drop(data, "bigbox", CASES / "bigbox" / "inbound" / "850-store-distribution.edi")
        drop(data, "eurofresh", CASES / "eurofresh" / "inbound" /
             "orders-two-delivery-points.edi")
        for name in ("855-acknowledgement.edi", "856-standard-pack.edi", "810-invoices.edi"):
            drop(data, "acme-supply", CASES / "acme-supply" / "inbound" / name,
                 f"{len(list((data / 'partners' / 'acme-supply').glob('*/*')))}-{name}")
            wait_for(lambda: not any((data / "partners" / "acme-supply" / "inbound").iterdir()),
                     what=f"{name} taken")
        rpc = TrytonRpc(fresh_tryton.url, DATABASE, "admin", ADMIN_PASSWORD)

        def invoice_posted() -> bool:
            return bool(rpc.search("account.invoice", [("reference", "=", "AS-INV-88120"),
                                                       ("state", "=", "posted")]))
        wait_for(invoice_posted, timeout=120, what="the supplier invoice in Tryton")
        wait_for(lambda: len(rpc.search("sale.sale", [("reference", "in", [
            "BB4410023", "EF-PO-77120"])])) >= 1, timeout=60, what="the sales")
    finally:
        stop(proc)
    sale, = rpc.search_read("sale.sale", [("reference", "=", "BB4410023")],
                            ["state", "party.code", "untaxed_amount", "comment"])
    assert sale["party."]["code"] == "BIGBOX" and sale["state"] == "quotation"
    assert sale["untaxed_amount"] == Decimal("790.40")
    assert "bigbox:000104522:104522:0001" in sale["comment"]
    euro = rpc.search_read("sale.sale", [("party.code", "=", "EUROFRESH")], ["reference"])
    assert euro, "the EuroFresh order"
    purchase, = rpc.search_read("purchase.purchase", [("number", "=", "PO-2026-00071")],
                                ["state", "reference", "shipment_state"])
    assert purchase["state"] == "processing" and purchase["reference"] == "SO-558120"
    assert purchase["shipment_state"] == "partially shipped"
    shipment, = rpc.search_read("stock.shipment.in", [("reference", "=", "ASN-558120-1")],
                                ["state"])
    assert shipment["state"] == "done"
    invoice, = rpc.search_read("account.invoice", [("reference", "=", "AS-INV-88120")],
                               ["state", "total_amount", "type"])
    assert (invoice["type"], invoice["total_amount"]) == ("in", Decimal("1536.00"))
    # the second invoice of the 810 (a price our PO does not have) is not in Tryton
    assert rpc.search("account.invoice", [("reference", "=", "AS-INV-88121")]) == []
    rpc.close()
    trace = subprocess.run([sys.executable, "-m", "gateway.cli", "trace", "AS-INV-88121",
                            "--data-dir", str(data)], cwd=ROOT, capture_output=True, text=True)
    # acme-supply's profile rejects refused sets in its 997 (reject_refused): rejected, kept
    assert "[rejected]" in trace.stdout and "price 9.55" in trace.stdout
    acks = "".join(p.read_text() for p in (data / "partners" / "acme-supply" / "outbound")
                   .glob("*.edi"))
    assert "AK2*810*0002~AK5*R*5~" in acks
    shutil.rmtree(archive, ignore_errors=True)
