"""Setup, unload and setup failures of a config entry."""

from __future__ import annotations

from fake_agent import FakeAgent
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.const import DOMAIN
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """The entry loads, creates the machine device and unloads cleanly."""
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, entry.unique_id), entry.entry_id
    )
    assert device is not None
    assert device.name == "devbox"
    assert device.sw_version == "0.1.0"
    assert agent.commands("subscribe")
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
