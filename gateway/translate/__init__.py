"""Translate between EDI messages and canonical records with validated TOML maps.

``load_map`` reads and checks a map (:mod:`gateway.translate.mapfile`),
``translate_message`` turns a message into a record (:mod:`gateway.translate.inbound`) and
``generate_segments`` / ``generate_x12`` turn a record back into segments or an interchange
(:mod:`gateway.translate.outbound`).
"""

from gateway.translate.mapfile import MapError, TranslationMap, load_map, map_for

__all__ = ["MapError", "TranslationMap", "load_map", "map_for"]
