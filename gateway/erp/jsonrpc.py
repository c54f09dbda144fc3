"""Tryton's JSON-RPC on the wire: login, the session header, the context, typed values, errors.

``TrytonRpc`` is what the Tryton connector (and the tests reading back from Tryton) call:
``rpc.call("model.sale.sale.search_read", domain, 0, None, None, fields)`` appends the user's
context as the last argument, as the desktop client does. Every failure comes out as one of
three exceptions, translated here and nowhere else:

- :class:`TrytonUnreachable`: connection refused or reset, timeout, HTTP 429/5xx, or a login
  refused with 429 (too many failures): the caller may try again later.
- :class:`TrytonUserError`: Tryton refused the call for a business reason (``UserError``), or
  asks to confirm a ``UserWarning`` (``warning`` is then set); trying again changes nothing.
- :class:`TrytonAuthError`: the user or password is refused (a setting to fix).
- :class:`TrytonRpcError`: anything else (an unknown method, a server bug).

A 401 (the session expired or the server restarted) logs in again once and repeats the call.
Dates, datetimes and Decimals travel as ``{"__class__": ...}`` objects both ways.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
from decimal import Decimal
from typing import Any

import httpx

__all__ = ["TrytonAuthError", "TrytonRpc", "TrytonRpcError", "TrytonUnreachable",
           "TrytonUserError"]


class TrytonRpcError(Exception):
    """A JSON-RPC call failed for a reason that retrying will not cure."""


class TrytonUnreachable(TrytonRpcError):
    """Tryton could not be reached or asked us to slow down: try again later."""


class TrytonAuthError(TrytonRpcError):
    """Tryton refused our user or password: a setting to fix; documents wait meanwhile."""


class TrytonUserError(TrytonRpcError):
    """Tryton refused the call for a business reason; ``warning`` names a UserWarning's key."""

    def __init__(self, message: str, *, description: str = "", warning: str | None = None):
        super().__init__(message + (f" ({description})" if description else ""))
        self.message = message
        self.description = description
        self.warning = warning


def _encode(value: object) -> object:
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"__class__": "datetime", "year": value.year, "month": value.month,
                "day": value.day, "hour": value.hour, "minute": value.minute,
                "second": value.second, "microsecond": value.microsecond}
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, bytes):
        return {"__class__": "bytes", "base64": base64.b64encode(value).decode()}
    raise TypeError(f"cannot send {type(value).__name__} to Tryton")


def _decode(obj: dict[str, Any]) -> object:
    kind = obj.get("__class__")
    if kind is None:
        return obj
    if kind == "Decimal":
        return Decimal(obj["decimal"])
    if kind == "date":
        return dt.date(obj["year"], obj["month"], obj["day"])
    if kind == "datetime":
        return dt.datetime(obj["year"], obj["month"], obj["day"], obj["hour"], obj["minute"],
                           obj["second"], obj.get("microsecond", 0))
    if kind == "time":
        return dt.time(obj["hour"], obj["minute"], obj["second"], obj.get("microsecond", 0))
    if kind == "timedelta":
        return dt.timedelta(seconds=obj["seconds"])
    if kind == "bytes":
        return base64.b64decode(obj["base64"])
    return obj


def _arg(args: list[Any], i: int) -> str:
    return str(args[i] or "") if len(args) > i else ""


def _user_error(error: Any) -> TrytonRpcError:
    """The ``error`` member of a reply as an exception: ``[kind, args]`` for Tryton's own
    exceptions, ``[str(exc), traceback]`` for a server bug."""
    if not isinstance(error, list) or not error:
        return TrytonRpcError(f"Tryton server error: {str(error)[:300]}")
    kind, args = str(error[0]), error[1] if len(error) > 1 else []
    if kind == "UserError" and isinstance(args, list):  # [message, description, domain]
        return TrytonUserError(_arg(args, 0), description=_arg(args, 1))
    if kind == "UserWarning" and isinstance(args, list):  # [key, message, description]
        return TrytonUserError(_arg(args, 1), description=_arg(args, 2), warning=_arg(args, 0))
    if kind == "ConcurrencyException":
        return TrytonUnreachable(f"Tryton: the record was modified meanwhile: {args}")
    return TrytonRpcError(f"Tryton server error: {kind[:300]}")


class TrytonRpc:
    """A logged-in JSON-RPC session with one Tryton database.

    ``url`` is the server's root (``http://host:8000/``). Not thread-safe: one per worker.
    """

    def __init__(self, url: str, database: str, user: str, password: str, *,
                 timeout: float = 30.0, transport: httpx.BaseTransport | None = None) -> None:
        self.base = url.rstrip("/")
        self.database = database
        self.user = user
        self._password = password
        self._ids = itertools.count(1)
        self._auth: str | None = None
        self.context: dict[str, Any] = {}
        self._http = httpx.Client(timeout=timeout, transport=transport)

    # -- wire --------------------------------------------------------------------------------

    def _post(self, path: str, method: str, params: list[Any], auth: str | None) -> Any:
        body = json.dumps({"id": next(self._ids), "method": method, "params": params},
                          default=_encode)
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = auth
        try:
            response = self._http.post(self.base + path, content=body, headers=headers)
        except httpx.TransportError as exc:  # refused, reset, timeouts, protocol errors
            raise TrytonUnreachable(f"Tryton at {self.base} unreachable: {exc!r}") from exc
        status = response.status_code
        if status == 401:
            raise _Unauthorized(f"Tryton refused the session or password of {self.user!r}")
        if status == 429 or status >= 500:
            raise TrytonUnreachable(f"Tryton answered HTTP {status} to {method}")
        if status != 200:
            raise TrytonRpcError(f"Tryton answered HTTP {status} to {method}: "
                                 f"{response.text[:200]}")
        try:
            reply = json.loads(response.content, object_hook=_decode)
        except ValueError as exc:
            raise TrytonRpcError(f"Tryton sent no JSON for {method}") from exc
        if reply.get("error") is not None:
            raise _user_error(reply["error"])
        return reply.get("result")

    def login(self) -> None:
        """Log in and load the user's preferences as the context (company, language…)."""
        try:
            user_id, session, *_ = self._post(
                f"/{self.database}/rpc/", "common.db.login",
                [self.user, {"password": self._password}, "en"], None)
        except _Unauthorized as exc:
            raise TrytonAuthError(f"Tryton login of {self.user!r} on {self.database!r} "
                                  "refused: check the user and password") from exc
        token = base64.b64encode(f"{self.user}:{user_id}:{session}".encode()).decode()
        self._auth = f"Session {token}"
        prefs = self._post(f"/{self.database}/rpc/", "model.res.user.get_preferences",
                           [True, {}], self._auth)
        self.context = dict(prefs)

    def call(self, method: str, *args: Any) -> Any:
        """``method`` (e.g. ``model.sale.sale.create``) with ``args`` and the context last."""
        if self._auth is None:
            self.login()
        try:
            return self._post(f"/{self.database}/rpc/", method, [*args, self.context],
                              self._auth)
        except _Unauthorized:
            self.login()  # the session expired or the server restarted: once
            try:
                return self._post(f"/{self.database}/rpc/", method, [*args, self.context],
                                  self._auth)
            except _Unauthorized as exc:
                raise TrytonAuthError(str(exc)) from exc

    def model(self, model: str, method: str, *args: Any) -> Any:
        """``call("model.<model>.<method>", *args)``."""
        return self.call(f"model.{model}.{method}", *args)

    def search_read(self, model: str, domain: list[Any], fields: list[str], *,
                    limit: int | None = None, order: list[Any] | None = None
                    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.model(model, "search_read", domain, 0, limit, order,
                                                fields)
        return rows

    def search(self, model: str, domain: list[Any], *, limit: int | None = None) -> list[int]:
        ids: list[int] = self.model(model, "search", domain, 0, limit, None)
        return ids

    def read(self, model: str, ids: list[int], fields: list[str]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.model(model, "read", ids, fields)
        return rows

    def close(self) -> None:
        self._http.close()


class _Unauthorized(TrytonRpcError):
    """HTTP 401: log in (again)."""
