"""Setup, unload and setup failures of a config entry."""

from common import device
from fake_agent import FakeAgent
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """The entry loads, creates the machine device and unloads cleanly."""
    entry = init_integration
    assert entry.state is ConfigEntryState.LOADED
    machine = device(hass, entry)
    assert machine is not None
    assert machine.name == "devbox"
    assert machine.sw_version == "0.1.0"
    assert agent.commands("subscribe")
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert entry.state is ConfigEntryState.NOT_LOADED
