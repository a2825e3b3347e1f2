"""Helpers shared by the OpenCode Lookout tests."""

import asyncio
from collections.abc import Callable
from typing import Any

from fake_agent import FINGERPRINT, SERVER_ID, TOKEN, FakeAgent
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.const import CONF_FINGERPRINT, DOMAIN
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er


async def wait_for(
    hass: HomeAssistant, predicate: Callable[[], object], timeout: float = 5.0
) -> None:
    """Wait until predicate() is truthy (pushes travel through a real socket)."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)
            await hass.async_block_till_done()
    await hass.async_block_till_done()


def entity_id(
    hass: HomeAssistant, platform: str, key: str, session_id: str | None = None
) -> str:
    """Return the entity id of a machine entity, or of a session entity."""
    unique_id = (
        f"{SERVER_ID}_{key}"
        if session_id is None
        else f"{SERVER_ID}_{session_id}_{key}"
    )
    result = er.async_get(hass).async_get_entity_id(platform, DOMAIN, unique_id)
    assert result is not None, unique_id
    return result


def device(
    hass: HomeAssistant, entry: MockConfigEntry, session_id: str | None = None
) -> dr.DeviceEntry | None:
    """Return the device of the machine (no session id) or of a session."""
    ident = entry.unique_id if session_id is None else f"{entry.unique_id}_{session_id}"
    return dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, ident), entry.entry_id
    )


def device_id(
    hass: HomeAssistant, entry: MockConfigEntry, session_id: str | None = None
) -> str:
    """Return the id of a device that must exist (see device())."""
    found = device(hass, entry, session_id)
    assert found is not None, session_id
    return found.id


def make_entry(agent: FakeAgent, **kwargs: Any) -> MockConfigEntry:
    """Return a config entry paired with a fake agent (its hello's id and hostname)."""
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id=agent.hello["server_id"],
        title=agent.hello["hostname"],
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: agent.port,
            CONF_TOKEN: TOKEN,
            CONF_FINGERPRINT: FINGERPRINT,
        },
        **kwargs,
    )
