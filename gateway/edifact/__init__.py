"""UN/EDIFACT: the streaming reader with envelope checks (``read_edifact``)."""

from gateway.edifact.reader import MAX_CHARSET_DEFECTS, read_edifact
from gateway.edifact.scanner import MAX_SEGMENT_BYTES

__all__ = ["MAX_CHARSET_DEFECTS", "MAX_SEGMENT_BYTES", "read_edifact"]
