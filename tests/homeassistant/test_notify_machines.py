"""Phone notifications with two machines (two entries) in one Home Assistant."""

from collections.abc import AsyncGenerator
import logging

from common import make_entry
from fake_agent import FakeAgent, make_permission
from notify_common import TARGETS, nonce_of, request_permissions, tap, wait_calls
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.const import CONF_NOTIFY_TARGETS
from homeassistant.core import HomeAssistant, ServiceCall

LAPTOP_ID = "0123456789abcdef0123456789abcdef"


@pytest.fixture
async def laptop(
    hass: HomeAssistant, calls: list[ServiceCall]
) -> AsyncGenerator[tuple[FakeAgent, MockConfigEntry]]:
    """Add a second machine (its own agent and entry) sending to the same phones."""
    agent = FakeAgent()
    agent.hello |= {"server_id": LAPTOP_ID, "hostname": "laptop"}
    await agent.start()
    entry = make_entry(agent, options={CONF_NOTIFY_TARGETS: TARGETS})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    yield agent, entry
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    await agent.stop()


async def test_a_tap_is_handled_by_the_entry_that_sent_it(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    agent: FakeAgent,
    laptop: tuple[FakeAgent, MockConfigEntry],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each machine's good tap reaches its agent alone, with no refusal logged.

    Failed before: the other entry saw the nonce already spent by the issuing entry
    and logged "unknown or already used nonce" for every good tap.
    """
    laptop_agent, _ = laptop
    caplog.set_level(logging.INFO)
    await request_permissions(agent, make_permission(id="per_devbox"))
    await wait_calls(hass, calls, 2)
    await request_permissions(laptop_agent, make_permission(id="per_laptop"))
    await wait_calls(hass, calls, 4)
    used = nonce_of(calls, "per_laptop")

    await tap(hass, calls, "ONCE", "per_devbox")
    await tap(hass, calls, "ALWAYS", "per_laptop")
    assert [c["permission_id"] for c in agent.commands("reply_permission")] == [
        "per_devbox"
    ]
    assert [c["permission_id"] for c in laptop_agent.commands("reply_permission")] == [
        "per_laptop"
    ]
    assert "Refused" not in caplog.text

    # A replayed (or forged) nonce is still refused, and logged once, not per machine.
    await tap(hass, calls, "ONCE", "per_laptop", nonce=used)
    await tap(hass, calls, "ONCE", "per_laptop", nonce="0" * 32)
    await tap(hass, calls, "ONCE", "per_laptop", action="OPENCODE_LOOKOUT_ONCE_")
    assert caplog.text.count("unknown or already used nonce") == 2
    assert caplog.text.count("malformed action id") == 1
    assert len(laptop_agent.commands("reply_permission")) == 1
