"""Helpers shared by the translation tests: translate every set of some X12 bytes, and
generate one set into a fixed envelope (fixed clock and control numbers)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from gateway.acks import Sequence
from gateway.stream import Message
from gateway.translate.inbound import translate_message
from gateway.translate.mapfile import TranslationMap
from gateway.translate.outbound import generate_x12
from gateway.x12.reader import read_x12
from gateway.x12.writer import GroupHeader, X12Envelope


def translate(data: bytes, tmap: TranslationMap) -> list[tuple[Any, Message]]:
    return [(translate_message(ev, tmap), ev) for ev in read_x12(io.BytesIO(data))
            if isinstance(ev, Message)]


def generate(record: BaseModel, tmap: TranslationMap, functional_id: str) -> str:
    return generate_x12(record, tmap, X12Envelope("ZZ", "US", "ZZ", "THEM"),
                        GroupHeader(functional_id, "US", "THEM", "004010VICS"), Sequence(1),
                        datetime(2024, 1, 2, 3, 4))
