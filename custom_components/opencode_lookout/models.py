"""Runtime data of an OpenCode Lookout config entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .manager import LookoutManager


@dataclass
class OpenCodeLookoutData:
    """What a loaded entry keeps: the manager owning the agent connection."""

    manager: LookoutManager


type OpenCodeLookoutConfigEntry = ConfigEntry[OpenCodeLookoutData]
