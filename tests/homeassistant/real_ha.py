"""Home Assistant side of the end-to-end tests: pair with the real agent, wait, look up.

Shared by test_real_agent.py, test_noise.py, test_restart.py and test_real_v2.py
(real_stack.py and v2_stack.py start the processes; this module only talks to Home
Assistant).
"""

import asyncio
from collections.abc import Callable
from typing import Protocol

from custom_components.opencode_lookout.const import DOMAIN
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er


async def wait_until[T](what: str, check: Callable[[], T], timeout: float = 45) -> T:
    """Poll until ``check`` returns something truthy; return it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if value := check():
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class PairedAgent(Protocol):
    """A running real agent: what the config flow needs to add it."""

    @property
    def pairing(self) -> str:
        """The pairing string (what `opencode-lookout pair` prints)."""
        ...

    @property
    def server_id(self) -> str:
        """The agent's server id (the entry's unique id)."""
        ...


async def setup_entry(hass: HomeAssistant, stack: PairedAgent) -> str:
    """Add the agent through the config flow (pairing string); return the entry id."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", "pairing": stack.pairing},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    assert result["result"].unique_id == stack.server_id
    await hass.async_block_till_done()
    return str(result["result"].entry_id)


def entity_lookup(
    hass: HomeAssistant, platform: str, uid: str
) -> Callable[[], str | None]:
    """Return a function looking up an entity id by unique id."""
    return lambda: er.async_get(hass).async_get_entity_id(platform, DOMAIN, uid)


def session_device(
    hass: HomeAssistant, entry_id: str, server_id: str, session_id: str
) -> dr.DeviceEntry | None:
    """Return the device of a session, if it exists."""
    return dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{server_id}_{session_id}"), entry_id
    )


def device_entities(hass: HomeAssistant, device_id: str) -> set[str]:
    """Return the entity ids of a device (enabled or not)."""
    registry = er.async_get(hass)
    return {
        e.entity_id
        for e in er.async_entries_for_device(
            registry, device_id, include_disabled_entities=True
        )
    }
