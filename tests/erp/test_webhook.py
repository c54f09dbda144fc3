"""The webhook connector against a real HTTP server on loopback (stdlib ``http.server`` in a
thread) that checks the signature, keeps one document per idempotency key, and answers as each
test scripts it."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from gateway.erp import Receipt, Rejected, Retry
from gateway.erp.factory import connector_for
from gateway.erp.payload import record_json
from gateway.erp.webhook import MAX_TEXT, WebhookConnector
from gateway.errors import ConfigError
from gateway.partners.endpoints import WebhookErp
from tests.erp.deliveries import EXAMPLES, PURCHASE_ORDER, delivery

SECRET = b"s3cret-hmac-key"


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # wait until the test ends before answering


@dataclass
class Receiver:
    """What the ERP end saw and will say: ``script`` answers the next requests in order; when
    it is empty, a new key gets 201 with the ERP's id and a known key 409."""

    url: str
    secret: bytes | None
    script: list[Answer] = field(default_factory=list)
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> body
    requests: list[dict[str, str]] = field(default_factory=list)  # headers of each request
    bad_signatures: int = 0
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: dict[str, str], body: bytes) -> Answer:
        with self.lock:
            self.requests.append(headers)
            if self.secret is not None:
                expected = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(headers.get("x-edi-signature", ""), expected):
                    self.bad_signatures += 1
                    return Answer(401, b"bad signature")
            if self.script:
                return self.script.pop(0)
            key = headers["idempotency-key"]
            data = json.loads(body)
            assert data["idempotency_key"] == key
            if key in self.documents:
                return Answer(409, json.dumps({"id": self.documents[key]["id"]}).encode())
            self.documents[key] = {"id": f"SO-{len(self.documents) + 1}", "body": data}
            return Answer(201, json.dumps({"id": self.documents[key]["id"]}).encode(),
                          {"Content-Type": "application/json"})


def serve(secret: bytes | None) -> Iterator[Receiver]:
    receiver: Receiver

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802  (http.server's naming)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            answer = receiver.handle({k.lower(): v for k, v in self.headers.items()}, body)
            if answer.hang:
                receiver.release.wait(10)
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)
            except OSError:
                pass  # the client gave up (the timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver = Receiver(f"http://127.0.0.1:{server.server_port}/hooks/edi", secret)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def erp() -> Iterator[Receiver]:
    yield from serve(SECRET)


@pytest.fixture
def conn(erp: Receiver) -> Iterator[WebhookConnector]:
    c = WebhookConnector(erp.url, secret=SECRET, timeout=timedelta(seconds=5))
    yield c
    c.close()


def test_post_is_signed_keyed_and_carries_the_envelope(erp: Receiver,
                                                       conn: WebhookConnector) -> None:
    d = delivery()
    assert conn.deliver(d) == Receipt("SO-1")
    assert erp.bad_signatures == 0
    [headers] = erp.requests
    assert headers["idempotency-key"] == d.idempotency_key
    assert headers["content-type"] == "application/json"
    body = erp.documents[d.idempotency_key]["body"]
    assert body == {"idempotency_key": d.idempotency_key, "partner": "bigbox",
                    "type": "purchase_order", "document_id": 1, "context": d.context,
                    "record": record_json(PURCHASE_ORDER)}
    assert type(PURCHASE_ORDER).model_validate(body["record"]) == PURCHASE_ORDER


def test_redelivery_gets_409_and_is_not_created_again(erp: Receiver,
                                                       conn: WebhookConnector) -> None:
    first = conn.deliver(delivery())
    restarted = WebhookConnector(erp.url, secret=SECRET)  # a new process, no state kept
    try:
        again = restarted.deliver(delivery())
    finally:
        restarted.close()
    assert first.created and again.created is False
    assert again.erp_ref == first.erp_ref == "SO-1"
    assert len(erp.documents) == 1 and len(erp.requests) == 2


def test_2xx_without_an_id_refers_to_the_key(erp: Receiver, conn: WebhookConnector) -> None:
    erp.script = [Answer(202, b"queued"), Answer(204), Answer(200, b'{"ok": true}')]
    for i in range(3):
        d = delivery(f"bigbox:1:1:{i}", record=EXAMPLES["invoice"])
        assert conn.deliver(d) == Receipt(d.idempotency_key)


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
def test_busy_or_broken_receiver_is_retry(erp: Receiver, conn: WebhookConnector,
                                          status: int) -> None:
    erp.script = [Answer(status, b"try later")]
    with pytest.raises(Retry, match=f"HTTP {status}"):
        conn.deliver(delivery())
    assert conn.deliver(delivery()).created  # the next attempt goes through
    assert len(erp.documents) == 1


def test_retry_after_is_in_the_message(erp: Receiver, conn: WebhookConnector) -> None:
    erp.script = [Answer(503, headers={"Retry-After": "120"}),
                  Answer(429, headers={"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"})]
    with pytest.raises(Retry, match=r"HTTP 503 \(Retry-After: 120\)"):
        conn.deliver(delivery())
    with pytest.raises(Retry, match=r"Retry-After: Wed, 21 Oct 2026 07:28:00 GMT"):
        conn.deliver(delivery())


def test_slow_receiver_times_out_as_retry(erp: Receiver) -> None:
    erp.script = [Answer(201, hang=True)]
    c = WebhookConnector(erp.url, secret=SECRET, timeout=timedelta(milliseconds=200))
    try:
        with pytest.raises(Retry, match="timed out"):
            c.deliver(delivery())
    finally:
        c.close()


def test_refusal_is_rejected_with_the_receivers_text(erp: Receiver,
                                                     conn: WebhookConnector) -> None:
    erp.script = [Answer(422, b'{"error": "unknown customer BIGBOX"}'),
                  Answer(400, b"x" * 5000)]
    with pytest.raises(Rejected, match=r"HTTP 422: \{\"error\": \"unknown customer BIGBOX\"\}"):
        conn.deliver(delivery())
    with pytest.raises(Rejected) as info:
        conn.deliver(delivery())
    assert "x" * MAX_TEXT + "…" in str(info.value)
    assert "x" * (MAX_TEXT + 1) not in str(info.value)


def test_wrong_secret_is_refused_by_the_receiver(erp: Receiver) -> None:
    c = WebhookConnector(erp.url, secret=b"not the key")
    try:
        with pytest.raises(Rejected, match="HTTP 401: bad signature"):
            c.deliver(delivery())
    finally:
        c.close()
    assert erp.bad_signatures == 1 and erp.documents == {}


def test_redirect_is_retry_naming_the_new_place(erp: Receiver,
                                                conn: WebhookConnector) -> None:
    erp.script = [Answer(308, headers={"Location": "https://erp.example/new"})]
    with pytest.raises(Retry, match="redirect to https://erp.example/new"):
        conn.deliver(delivery())


def test_nobody_listening_is_retry() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = WebhookConnector(f"http://127.0.0.1:{port}/", timeout=timedelta(seconds=2))
    try:
        with pytest.raises(Retry, match="unreachable"):
            c.deliver(delivery())
    finally:
        c.close()


def test_without_secret_env_there_is_no_signature(tmp_path: Any) -> None:
    for receiver in serve(None):
        c = connector_for(WebhookErp(connector="webhook", url=receiver.url), tmp_path)
        try:
            assert c.deliver(delivery()).created
        finally:
            c.close()
        assert "x-edi-signature" not in receiver.requests[0]


def test_factory_signs_with_the_secret_from_the_environment(
        erp: Receiver, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    settings = WebhookErp(connector="webhook", url=erp.url, secret_env="ERP_HOOK_KEY",
                          timeout="5s")
    monkeypatch.delenv("ERP_HOOK_KEY", raising=False)
    with pytest.raises(ConfigError, match="ERP_HOOK_KEY is not set"):
        connector_for(settings, tmp_path)
    monkeypatch.setenv("ERP_HOOK_KEY", SECRET.decode())
    c = connector_for(settings, tmp_path)
    try:
        assert c.name == "webhook"
        assert c.deliver(delivery()).created
    finally:
        c.close()
    assert erp.bad_signatures == 0 and len(erp.documents) == 1
