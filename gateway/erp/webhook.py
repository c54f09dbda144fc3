"""HTTP webhook connector: the canonical document POSTed as JSON to the ERP's endpoint.

The body is :func:`gateway.erp.payload.envelope` (``{"idempotency_key", "partner", "type",
"document_id", "context", "record"}``) as compact UTF-8 JSON. Headers:

- ``Idempotency-Key: <key>``: the receiver must create at most one document per key and answer
  a repeat with 2xx or 409. That is how this connector stays exactly-once across crashes and
  restarts: it keeps no state of its own and simply sends the same key again.
- ``X-EDI-Signature: sha256=<hex>``: HMAC-SHA256 of the exact body bytes, keyed with the secret
  in the environment variable the profile names (``secret_env``); left out when the profile
  names none. A named variable that is not set is a :class:`ConfigError` when the connector is
  built, not a failed delivery.

Answers:

- 2xx → :class:`Receipt`; ``erp_ref`` is the ``id`` of a JSON object response, else the key.
- 409 → ``Receipt(created=False)``: the receiver has that key already.
- 408, 425, 429, 5xx, a redirect, connection errors and timeouts → :class:`Retry`, with the
  ``Retry-After`` header in the message when the receiver sent one.
- any other 4xx → :class:`Rejected` with the start of the response text: the receiver refused
  this document, sending it again will not help.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import timedelta

import httpx

from gateway.erp import Delivery, Receipt, Rejected, Retry
from gateway.erp.payload import dumps, envelope
from gateway.errors import ConfigError

RETRY_STATUSES = frozenset({408, 425, 429})
MAX_TEXT = 500  # characters of a refusal kept in the Rejected message


def signature(secret: bytes, body: bytes) -> str:
    """The ``X-EDI-Signature`` value of ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def secret_from_env(name: str | None) -> bytes | None:
    """The HMAC key from environment variable ``name`` (None: no signature)."""
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        raise ConfigError(f"the webhook's secret_env {name} is not set in the environment")
    return value.encode("utf-8")


def _erp_ref(response: httpx.Response, default: str) -> str:
    try:
        data = response.json()
    except ValueError:
        return default
    if isinstance(data, dict) and data.get("id") not in (None, ""):
        return str(data["id"])
    return default


class WebhookConnector:
    """POSTs each delivery to ``url``; one ``httpx.Client`` (and its connection pool) per
    connector, closed by :meth:`close`. ``transport`` replaces the network, for tests."""

    name = "webhook"

    def __init__(self, url: str, *, secret: bytes | None = None,
                 timeout: timedelta = timedelta(seconds=30),
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url = url
        self._secret = secret
        self._client = httpx.Client(timeout=timeout.total_seconds(), transport=transport,
                                    follow_redirects=False)

    def deliver(self, delivery: Delivery) -> Receipt:
        body = dumps(envelope(delivery))
        headers = {"Content-Type": "application/json",
                   "Idempotency-Key": delivery.idempotency_key}
        if self._secret is not None:
            headers["X-EDI-Signature"] = signature(self._secret, body)
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise Retry(f"webhook {self.url} timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise Retry(f"webhook {self.url} unreachable: {exc}") from exc
        return self._answer(response, delivery.idempotency_key)

    def _answer(self, response: httpx.Response, key: str) -> Receipt:
        status = response.status_code
        if 200 <= status < 300:
            return Receipt(_erp_ref(response, key))
        if status == 409:
            return Receipt(_erp_ref(response, key), created=False,
                           message="the webhook has this idempotency key already (409)")
        what = f"webhook {self.url} answered HTTP {status}"
        if status in RETRY_STATUSES or status >= 500 or 300 <= status < 400:
            after = response.headers.get("Retry-After")
            location = response.headers.get("Location")
            raise Retry(what + (f" (Retry-After: {after})" if after else "")
                        + (f" (redirect to {location}: fix the url)" if location else ""))
        text = response.text.strip()
        if len(text) > MAX_TEXT:
            text = text[:MAX_TEXT] + "…"
        raise Rejected(f"{what}: {text}" if text else what)

    def close(self) -> None:
        self._client.close()
