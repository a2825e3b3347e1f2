"""Session devices: dynamic add/remove, title sync, age and number caps, user removal."""

from datetime import UTC, datetime, timedelta
from unittest.mock import patch

from common import device, wait_for
from fake_agent import ROOT_ID, FakeAgent, make_session
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.opencode_lookout.const import CONF_MAX_SESSION_DEVICES, DOMAIN
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


def _ago(**delta: float) -> str:
    """Return an RFC 3339 time this long ago."""
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


async def test_session_max_age(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """Sessions inactive for longer than the age get no device; busy ones keep theirs."""
    agent.sessions["ses_old"] = make_session("ses_old", last_activity=_ago(hours=25))
    agent.sessions["ses_busy"] = make_session(
        "ses_busy", state="waiting_permission", last_activity=_ago(days=3)
    )
    agent.sessions["ses_aging"] = make_session(
        "ses_aging", last_activity=_ago(hours=23)
    )
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert device(hass, config_entry, "ses_old") is None
    assert device(hass, config_entry, "ses_busy") is not None
    assert device(hass, config_entry, "ses_aging") is not None
    assert device(hass, config_entry, ROOT_ID) is not None

    # Two hours later the periodic check drops the aging session's device.
    later = datetime.now(UTC) + timedelta(hours=2)
    with patch(
        "custom_components.opencode_lookout.tracker.dt_util.utcnow",
        return_value=later,
    ):
        async_fire_time_changed(hass, later)
        await hass.async_block_till_done()
    assert device(hass, config_entry, "ses_aging") is None
    assert device(hass, config_entry, "ses_busy") is not None
    assert device(hass, config_entry, ROOT_ID) is not None
    # It stays in the agent, and gets its device back once it is active again.
    assert "ses_aging" in agent.sessions
    await agent.update_session(
        "ses_aging", state="working", last_activity=_ago(seconds=1)
    )
    await wait_for(hass, lambda: device(hass, config_entry, "ses_aging") is not None)

    # An old idle update of a session with a device removes it too.
    await agent.update_session(last_activity=_ago(hours=30))
    await wait_for(hass, lambda: device(hass, config_entry, ROOT_ID) is None)
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_max_session_devices(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """At most max_session_devices, newest first; working and waiting always have one."""
    agent.sessions.clear()
    for n in range(6):
        sid = f"ses_{n}"
        agent.sessions[sid] = make_session(sid, last_activity=_ago(minutes=10 * n + 1))
    agent.sessions["ses_working"] = make_session(
        "ses_working", state="working", last_activity=_ago(hours=5)
    )
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_MAX_SESSION_DEVICES: 3}
    )
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    def with_device() -> set[str]:
        return {
            sid
            for sid in [*agent.sessions, "ses_new"]
            if device(hass, config_entry, sid) is not None
        }

    assert with_device() == {"ses_working", "ses_0", "ses_1"}
    # A new session pushes the oldest idle one out.
    await agent.update_session("ses_new", last_activity=_ago(seconds=0))
    await wait_for(hass, lambda: "ses_new" in with_device())
    assert with_device() == {"ses_working", "ses_new", "ses_0"}
    # An old session that starts working gets its device back; it counts.
    await agent.update_session("ses_5", state="working", last_activity=_ago(seconds=0))
    await wait_for(hass, lambda: "ses_5" in with_device())
    assert with_device() == {"ses_working", "ses_new", "ses_5"}
    # More busy sessions than the cap: all keep their devices.
    await agent.update_session("ses_new", state="waiting_input")
    await agent.update_session("ses_3", state="waiting_permission")
    await wait_for(hass, lambda: "ses_3" in with_device())
    assert with_device() == {"ses_working", "ses_new", "ses_5", "ses_3"}
    # The sessions without a device are still the agent's.
    assert len(agent.sessions) == 8
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
