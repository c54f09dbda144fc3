"""Transport endpoints and ERP destinations of a partner profile: one small settings model
per kind, chosen by its ``type`` / ``connector`` field (used by the transport and delivery
issues)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    Field,
    model_validator,
)

from gateway.partners.fields import (
    Duration,
    EnvName,
    MapName,
    NonEmpty,
    _Model,
    _pattern,
    rule,
)

# -- transports -----------------------------------------------------------------------------

_KEY_TYPES = ("ssh-ed25519 ", "ssh-rsa ", "ecdsa-sha2-nistp256 ", "ecdsa-sha2-nistp384 ",
              "ecdsa-sha2-nistp521 ")


def _public_key(v: str) -> str:
    if not v.startswith(_KEY_TYPES):
        raise ValueError(f"not an OpenSSH public key line ({', '.join(_KEY_TYPES)}…)")
    return v


PublicKey = Annotated[str, AfterValidator(_public_key)]


class SftpServer(_Model):
    """The partner logs in to our SFTP server, uploads into ``inbox``, collects ``outbox``."""

    type: Literal["sftp-server"]
    username: Annotated[str, _pattern(r"[a-z_][a-z0-9_.-]{0,31}", "a login name")]
    authorized_keys: tuple[PublicKey, ...] = ()
    password_env: EnvName | None = None
    inbox: NonEmpty = "inbox"
    outbox: NonEmpty = "outbox"

    @model_validator(mode="after")
    def _auth(self) -> Self:
        if not self.authorized_keys and not self.password_env:
            raise rule(("authorized_keys",), "give authorized_keys or password_env")
        return self


class SftpPoll(_Model):
    """We log in to the partner's SFTP server every ``interval`` and fetch from ``remote_inbox``."""

    type: Literal["sftp-poll"]
    host: NonEmpty
    port: Annotated[int, Field(ge=1, le=65535)] = 22
    username: NonEmpty
    host_key: PublicKey  # the server's key: no trust on first use
    private_key: NonEmpty | None = None  # a key file, relative to the gateway's directory
    password_env: EnvName | None = None
    remote_inbox: NonEmpty  # where the partner leaves files for us
    remote_outbox: NonEmpty | None = None  # where we put files for the partner
    remote_archive: NonEmpty | None = None  # fetched files moved here; None: removed
    patterns: tuple[NonEmpty, ...] = ("*",)
    interval: Duration = timedelta(minutes=5)
    min_age: Duration = timedelta(seconds=60)  # a file younger than this may still grow

    @model_validator(mode="after")
    def _auth(self) -> Self:
        if not self.private_key and not self.password_env:
            raise rule(("private_key",), "give private_key or password_env")
        return self


class As2(_Model):
    """AS2 over HTTP(S): we post to ``url``, the partner posts to our /as2 endpoint."""

    type: Literal["as2"]
    as2_id: Annotated[str, _pattern(r"[!-~]{1,128}", "an AS2 id (printable, no spaces)")]
    our_as2_id: Annotated[str, _pattern(r"[!-~]{1,128}", "an AS2 id (printable, no spaces)")]
    url: AnyHttpUrl
    partner_certificate: NonEmpty  # PEM file, relative to the gateway's directory
    sign: bool = True
    encrypt: bool = True
    compress: bool = False
    signature: Literal["sha1", "sha256", "sha384", "sha512"] = "sha256"
    encryption: Literal["aes_128_cbc", "aes_192_cbc", "aes_256_cbc",
                        "tripledes_192_cbc"] = "aes_256_cbc"
    mdn: Literal["sync", "async", "none"] = "sync"
    mdn_signed: bool = True


class Rest(_Model):
    """The partner posts to our REST API; with ``url`` we also post to theirs."""

    type: Literal["rest"]
    url: AnyHttpUrl | None = None
    auth: Literal["none", "bearer", "basic"] = "bearer"
    username: NonEmpty | None = None  # basic auth
    secret_env: EnvName | None = None  # bearer token or password

    @model_validator(mode="after")
    def _auth(self) -> Self:
        if self.auth != "none" and not self.secret_env:
            raise rule(("secret_env",), f"auth {self.auth!r} needs secret_env")
        if self.auth == "basic" and not self.username:
            raise rule(("username",), "auth 'basic' needs a username")
        return self


class Folder(_Model):
    """A drop folder: files appearing in ``inbox`` are ingested; we write into ``outbox``."""

    type: Literal["folder"]
    inbox: NonEmpty
    outbox: NonEmpty | None = None
    pattern: NonEmpty = "*"
    format: Literal["edi", "csv"] = "edi"
    csv_map: MapName | None = None  # required for format = "csv"
    min_age: Duration = timedelta(seconds=5)

    @model_validator(mode="after")
    def _csv(self) -> Self:
        if self.format == "csv" and not self.csv_map:
            raise rule(("csv_map",), "format 'csv' needs a csv_map")
        return self


Transport = Annotated[SftpServer | SftpPoll | As2 | Rest | Folder, Field(discriminator="type")]


# -- ERP destination ------------------------------------------------------------------------

class TrytonErp(_Model):
    connector: Literal["tryton"]
    url: AnyHttpUrl
    database: NonEmpty
    user: NonEmpty
    password_env: EnvName
    party: NonEmpty | None = None  # the Tryton party code of this partner
    # a customer's PO becomes a sale left in draft, quoted (default) or quoted and confirmed
    sale_action: Literal["draft", "quote", "confirm"] = "quote"
    # a supplier's ASN becomes an incoming shipment left in draft (the goods are on their
    # way: the warehouse receives them), received (in the input zone) or received and done
    # (default: in storage, for suppliers whose ASN is taken as the receipt)
    shipment_action: Literal["draft", "receive", "done"] = "done"


class WebhookErp(_Model):
    connector: Literal["webhook"]
    url: AnyHttpUrl
    secret_env: EnvName | None = None  # HMAC key for the signature header
    timeout: Duration = timedelta(seconds=30)


class SqlErp(_Model):
    connector: Literal["sql"]
    dsn_env: EnvName  # the SQLAlchemy URL, credentials included
    table: Annotated[str, _pattern(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?",
                                   "a table name (schema.table)")]


class FileErp(_Model):
    connector: Literal["file"]
    directory: NonEmpty  # relative to the gateway's data directory
    # json / xml: one file per document; jsonl: one line per document in a daily file
    format: Literal["json", "jsonl", "xml"] = "json"
    # how long a delivered key's marker (.keys/) is kept: the nightly purge removes older ones
    # (the delivery ledger still knows the key; the marker guards a crash before its commit)
    keep_markers: Duration = timedelta(days=400)


Erp = Annotated[TrytonErp | WebhookErp | SqlErp | FileErp, Field(discriminator="connector")]
