"""rate_limited: told as "try again in N s", never a reauth, and the entry retries itself."""

import asyncio
from datetime import timedelta

from common import wait_for
from fake_agent import FakeAgent
from freezegun.api import FrozenDateTimeFactory
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.opencode_lookout.const import DOMAIN
from custom_components.opencode_lookout.errors import RATE_LIMIT_JITTER
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util


async def test_rate_limited_setup_retries_until_connected(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """After wrong tokens from this address the right one is refused for a while.

    The entry waits (setup retry with the agent's delay in its reason), starts no
    reauth flow, and connects by itself once the agent accepts attempts again.
    """
    agent.rate_limited = 42
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert config_entry.reason == (
        f"Too many attempts at 127.0.0.1:{agent.port}: try again in 42 s"
        " (Home Assistant retries by itself)"
    )
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []

    agent.rate_limited = None
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=2))
    await wait_for(hass, lambda: config_entry.state is ConfigEntryState.LOADED)
    assert agent.auths[-1] == agent.token
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_rate_limited_reload_of_a_working_entry(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """A reload that meets rate_limited waits and retries; it never asks to re-pair."""
    entry = init_integration
    agent.rate_limited = 5
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    agent.rate_limited = None
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=2))
    await wait_for(hass, lambda: entry.state is ConfigEntryState.LOADED)


async def test_rate_limited_setup_retries_when_the_agent_accepts_again(
    hass: HomeAssistant,
    agent: FakeAgent,
    config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """The entry is back right after the agent's retry_after, not a backoff step later.

    Failed before: Home Assistant's own retries (after 5, 10, 20, 40 s) met the agent's
    60 s refusal three times and connected only at 75 s.
    """
    start = dt_util.utcnow()
    agent.rate_limited_until = start + timedelta(seconds=60)
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    loaded_at = None
    for second in range(1, 90):
        freezer.move_to(start + timedelta(seconds=second))
        async_fire_time_changed(hass)
        await settle(hass, config_entry)
        if config_entry.state is ConfigEntryState.LOADED:
            loaded_at = second
            break
    assert loaded_at is not None
    assert 60 <= loaded_at <= 60 + RATE_LIMIT_JITTER + 1
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    await hass.config_entries.async_unload(config_entry.entry_id)


async def settle(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Let a setup attempt (a background task, run on real sockets) finish."""
    for _ in range(10_000):
        await hass.async_block_till_done()
        if entry.state is not ConfigEntryState.SETUP_IN_PROGRESS:
            return
        await asyncio.sleep(0)
    raise AssertionError("the setup attempt did not finish")
