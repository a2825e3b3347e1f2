"""Session devices: dynamic add/remove, title sync, stale sessions, user removal."""

from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from common import device, wait_for
from fake_agent import ROOT_ID, FakeAgent, make_session
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.opencode_lookout.const import CONF_STALE_DAYS, DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component


async def test_session_device(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """A root session is a device via the machine device."""
    machine = device(hass, init_integration)
    session_device = device(hass, init_integration, ROOT_ID)
    assert machine is not None
    assert session_device is not None
    assert session_device.name == "Fix the build"
    assert session_device.model == "OpenCode session"
    assert session_device.via_device_id == machine.id


async def test_dynamic_add_remove_and_title(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """New sessions appear without reload; titles sync; removed sessions go."""
    await agent.update_session("ses_new", title=None)
    await wait_for(hass, lambda: device(hass, init_integration, "ses_new"))
    assert device(hass, init_integration, "ses_new").name == "ses_new"
    await agent.update_session("ses_new", title="Write the docs")
    await wait_for(
        hass,
        lambda: device(hass, init_integration, "ses_new").name == "Write the docs",
    )
    entity = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{init_integration.unique_id}_ses_new_state"
    )
    assert hass.states.get(entity).state == "idle"

    await agent.remove_session("ses_new")
    await wait_for(hass, lambda: device(hass, init_integration, "ses_new") is None)
    assert er.async_get(hass).async_get(entity) is None
    assert hass.states.get(entity) is None


async def test_stale_sessions(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """Sessions older than stale_days get no device; they are removed later."""
    now = datetime.now(UTC)
    old = (now - timedelta(days=8)).isoformat()
    agent.sessions["ses_old"] = make_session("ses_old", last_activity=old)
    agent.sessions["ses_aging"] = make_session(
        "ses_aging", last_activity=(now - timedelta(days=2, hours=23)).isoformat()
    )
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(config_entry, options={CONF_STALE_DAYS: 3})
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert device(hass, config_entry, "ses_old") is None
    assert device(hass, config_entry, "ses_aging") is not None
    assert device(hass, config_entry, ROOT_ID) is not None

    later = now + timedelta(hours=2)
    with patch(
        "custom_components.opencode_lookout.tracker.dt_util.utcnow", return_value=later
    ):
        async_fire_time_changed(hass, later)
        await hass.async_block_till_done()
    assert device(hass, config_entry, "ses_aging") is None
    assert device(hass, config_entry, ROOT_ID) is not None

    # A stale update of a tracked session removes it too.
    await agent.update_session(last_activity=old)
    await wait_for(hass, lambda: device(hass, config_entry, ROOT_ID) is None)
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_leftover_devices_removed_at_setup(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """A session device the agent no longer knows is removed at startup."""
    config_entry.add_to_hass(hass)
    dr.async_get(hass).async_get_or_create(
        config_entry_id=config_entry.entry_id,
        identifiers={(DOMAIN, f"{config_entry.unique_id}_ses_gone")},
    )
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert device(hass, config_entry, "ses_gone") is None
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_remove_device(
    hass: HomeAssistant, hass_ws_client, init_integration: MockConfigEntry
) -> None:
    """Users may delete a session device, not the machine device."""
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)

    async def remove(device_id: str) -> dict:
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": init_integration.entry_id,
                "device_id": device_id,
            }
        )
        return await client.receive_json()

    machine = device(hass, init_integration)
    assert machine is not None
    assert not (await remove(machine.id))["success"]
    session = device(hass, init_integration, ROOT_ID)
    assert session is not None
    assert (await remove(session.id))["success"]
    assert device(hass, init_integration, ROOT_ID) is None
    assert ROOT_ID not in init_integration.runtime_data.sessions
