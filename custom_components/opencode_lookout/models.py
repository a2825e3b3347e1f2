"""Runtime data of a loaded entry, and the typed ConfigEntry alias.

Imports only the modules whose objects it holds; none of them imports this module.
"""

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .agent import Agent
from .dispatcher import Dispatcher
from .manager import LookoutManager
from .notify.state import NotifyState
from .sessions import SessionCache
from .tracker import SessionTracker


@dataclass(kw_only=True)
class OpenCodeLookoutData:
    """What a loaded entry keeps; dropped by Home Assistant on unload."""

    manager: LookoutManager
    sessions: SessionCache
    tracker: SessionTracker
    dispatcher: Dispatcher
    agent: Agent
    notify: NotifyState


type OpenCodeLookoutConfigEntry = ConfigEntry[OpenCodeLookoutData]
