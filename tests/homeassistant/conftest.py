"""Shared fixtures for the Home Assistant integration tests."""

import pytest

pytest_plugins = ["pytest_homeassistant_custom_component"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations):
    """Let Home Assistant load integrations from custom_components/ in every test."""
    yield


# --- OpenCode Lookout fixtures: a fake agent on 127.0.0.1 and a set-up entry. ---

from collections.abc import AsyncGenerator, Generator  # noqa: E402
from typing import Any  # noqa: E402
from unittest.mock import PropertyMock, patch  # noqa: E402

from common import make_entry  # noqa: E402
from fake_agent import SERVER_ID, FakeAgent  # noqa: E402
from notify_common import async_setup_notify, mock_notify  # noqa: E402
from pytest_homeassistant_custom_component.common import MockConfigEntry  # noqa: E402

from homeassistant.core import HomeAssistant, ServiceCall  # noqa: E402


@pytest.fixture(autouse=True)
def fast_reconnect():
    """Make the client's reconnect backoff short."""
    with (
        patch("custom_components.opencode_lookout.client.reconnect.MIN_DELAY", 0.01),
        patch("custom_components.opencode_lookout.client.reconnect.MAX_DELAY", 0.05),
    ):
        yield


@pytest.fixture(autouse=True)
def press_at_once():
    """Let buttons answer a permission the moment it shows (test_services tests it)."""
    with patch("custom_components.opencode_lookout.button.SHOWN_FOR", 0.0):
        yield


@pytest.fixture
async def agent(socket_enabled: None) -> AsyncGenerator[FakeAgent]:
    """Run a fake agent on a free port of 127.0.0.1."""
    fake = FakeAgent()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def config_entry(agent: FakeAgent) -> MockConfigEntry:
    """Return a config entry pointing at the fake agent."""
    assert agent.hello["server_id"] == SERVER_ID
    return make_entry(agent)


@pytest.fixture
async def init_integration(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> AsyncGenerator[MockConfigEntry]:
    """Set up the integration against the fake agent; unload it afterwards."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    yield config_entry
    if config_entry.state.recoverable:
        await hass.config_entries.async_unload(config_entry.entry_id)
        await hass.async_block_till_done()


@pytest.fixture
def notify_options() -> dict[str, Any]:
    """Return extra options of the entry (overridden by parametrize)."""
    return {}


@pytest.fixture
async def calls(
    hass: HomeAssistant,
    agent: FakeAgent,
    config_entry: MockConfigEntry,
    notify_options: dict[str, Any],
) -> AsyncGenerator[list[ServiceCall]]:
    """Set up the entry sending to two fake phones; return the notify calls."""
    calls = mock_notify(hass)
    await async_setup_notify(hass, config_entry, notify_options)
    yield calls
    if config_entry.state.recoverable:
        await hass.config_entries.async_unload(config_entry.entry_id)
        await hass.async_block_till_done()


@pytest.fixture
def all_entities_enabled() -> Generator[None]:
    """Enable the entities that are disabled by default (as HA core's tests do)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield
