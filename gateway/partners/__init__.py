"""Partner profiles: who a trading partner is on the wire and how we trade with it.

One TOML file per partner in ``partners/`` (see partners/README.md for the format), validated
by the pydantic models of ``gateway.partners.profile``; ``gateway.partners.loader`` turns
problems into ``file:line: field: message`` errors; ``PartnerRegistry`` finds the partner of an
inbound interchange from its envelope ids.
"""

from __future__ import annotations

from gateway.partners.loader import (
    LoadedProfile,
    ProfileError,
    ProfileErrors,
    load_file,
    load_folder,
    load_text,
)
from gateway.partners.profile import PartnerProfile
from gateway.partners.registry import PartnerRegistry, UnknownPartner, WrongReceiver

__all__ = [
    "LoadedProfile", "PartnerProfile", "PartnerRegistry", "ProfileError", "ProfileErrors",
    "UnknownPartner", "WrongReceiver", "load_file", "load_folder", "load_text",
]
