"""Session entities: their ids, which are enabled by default, and quiet buttons."""

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
import re

from common import entity_id, wait_for
from fake_agent import ROOT_ID, FakeAgent, make_permission, make_session
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.client import Session, State
from custom_components.opencode_lookout.client.codec import decode
from custom_components.opencode_lookout.last_activity import (
    BUSY_STEP,
    shown_last_activity,
)
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er

README = Path(__file__).parents[2] / "README.md"
PLACEHOLDER = "New session - 2026-11-22T19:18:23.111Z"

# What a user watches or automates on; the rest is disabled by default. The permission
# buttons too: Approve is offered only with the command in view (the Pending
# permission sensor, whose state the recorder would keep, is off by default).
ENABLED = {
    ("sensor", "state"),
    ("sensor", "cost"),
    ("sensor", "context_usage"),
    ("button", "abort"),
    ("event", "activity"),
}


async def test_entity_ids_from_project_and_short_id(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """The README's example ids are what a new session really gets, placeholder or not."""
    readme = README.read_text()
    event_ids = set(re.findall(r"event\.webshop_([0-9a-z]{6})_activity", readme))
    state_ids = set(re.findall(r"sensor\.webshop_([0-9a-z]{6})_state", readme))
    assert len(event_ids) == 1
    assert event_ids == state_ids
    short = event_ids.pop()
    # OpenCode ids are mixed case; the id keeps their last six characters, lowercased.
    session_id = f"ses_54c9e1d27ffe{short.upper()}"
    await agent.update_session(
        session_id, title=PLACEHOLDER, project="webshop", directory="/src/webshop"
    )
    uid = f"{init_integration.unique_id}_{session_id}"
    registry = er.async_get(hass)
    await wait_for(
        hass,
        lambda: registry.async_get_entity_id(
            "sensor", "opencode_lookout", uid + "_state"
        ),
    )
    assert registry.async_get_entity_id(
        "sensor", "opencode_lookout", f"{uid}_state"
    ) == (f"sensor.webshop_{short}_state")
    assert registry.async_get_entity_id(
        "event", "opencode_lookout", f"{uid}_activity"
    ) == (f"event.webshop_{short}_activity")
    assert registry.async_get_entity_id(
        "button", "opencode_lookout", f"{uid}_approve_once"
    ) == (f"button.webshop_{short}_approve_once")
    # The device (and so the friendly names) may follow the title; the ids stay.
    await agent.update_session(session_id, title="Fix the checkout")
    state = f"sensor.webshop_{short}_state"
    await wait_for(
        hass,
        lambda: (
            hass.states.get(state).attributes["friendly_name"]
            == "Fix the checkout State"
        ),
    )
    assert registry.async_get_entity_id(
        "sensor", "opencode_lookout", f"{uid}_state"
    ) == (state)


async def test_session_without_project(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """A session without a project directory still gets a readable, stable id."""
    await agent.update_session("ses_XYZ123abc", title=PLACEHOLDER, project=None)
    uid = f"{init_integration.unique_id}_ses_XYZ123abc_state"
    registry = er.async_get(hass)
    await wait_for(
        hass, lambda: registry.async_get_entity_id("sensor", "opencode_lookout", uid)
    )
    assert (
        registry.async_get_entity_id("sensor", "opencode_lookout", uid)
        == "sensor.opencode_123abc_state"
    )


async def test_ids_follow_a_project_known_later(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """A session first seen without a directory gets the project's ids once known.

    Failed before: the ids stayed opencode_<short id>_<key> (sessions made by
    `opencode import` send their directory only later). An id the user renamed stays.
    """
    session_id = "ses_IMPORTED4d2f"
    await agent.update_session(session_id, title=PLACEHOLDER, project=None)
    uid = f"{init_integration.unique_id}_{session_id}"
    registry = er.async_get(hass)

    def registered(platform: str, key: str) -> str | None:
        return registry.async_get_entity_id(
            platform, "opencode_lookout", f"{uid}_{key}"
        )

    await wait_for(hass, lambda: registered("sensor", "state"))
    assert registered("sensor", "state") == "sensor.opencode_ed4d2f_state"
    registry.async_update_entity(
        "sensor.opencode_ed4d2f_cost", new_entity_id="sensor.my_import_cost"
    )
    await agent.update_session(session_id, project="webshop", directory="/src/webshop")
    await wait_for(
        hass, lambda: registered("sensor", "state") != "sensor.opencode_ed4d2f_state"
    )
    assert registered("sensor", "state") == "sensor.webshop_ed4d2f_state"
    assert registered("event", "activity") == "event.webshop_ed4d2f_activity"
    assert registered("sensor", "model") == "sensor.webshop_ed4d2f_model"  # disabled
    assert registered("sensor", "cost") == "sensor.my_import_cost"
    await wait_for(hass, lambda: hass.states.get("sensor.webshop_ed4d2f_state"))
    assert hass.states.get("sensor.opencode_ed4d2f_state") is None
    # They stay when the title changes, or the project (the ids are fixed now).
    await agent.update_session(session_id, title="Imported", project="shop2")
    await wait_for(
        hass, lambda: runtime_title(init_integration, session_id) == "Imported"
    )
    assert registered("sensor", "state") == "sensor.webshop_ed4d2f_state"


async def test_ids_follow_a_project_known_after_a_restart(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """The project may become known while Home Assistant is down: ids move at start."""
    session_id = "ses_IMPORTED9b1c"
    await agent.update_session(session_id, title=PLACEHOLDER, project=None)
    uid = f"{init_integration.unique_id}_{session_id}_state"
    registry = er.async_get(hass)
    await wait_for(
        hass, lambda: registry.async_get_entity_id("sensor", "opencode_lookout", uid)
    )
    await hass.config_entries.async_unload(init_integration.entry_id)
    await agent.update_session(session_id, project="webshop", directory="/src/webshop")
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert (
        registry.async_get_entity_id("sensor", "opencode_lookout", uid)
        == "sensor.webshop_ed9b1c_state"
    )


def runtime_title(entry: MockConfigEntry, session_id: str) -> str | None:
    """Return the title of a session in the entry's cache."""
    session = entry.runtime_data.sessions.get(session_id)
    return session.title if session else None


async def test_enabled_by_default(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Only what a user watches or automates on is enabled for a new session."""
    registry = er.async_get(hass)
    prefix = f"{init_integration.unique_id}_{ROOT_ID}_"
    entries = [
        e
        for e in er.async_entries_for_config_entry(registry, init_integration.entry_id)
        if e.unique_id.startswith(prefix)
    ]
    assert len(entries) == 25
    enabled = {
        (e.domain, e.unique_id.removeprefix(prefix))
        for e in entries
        if not e.disabled_by
    }
    assert enabled == ENABLED
    for e in entries:
        if e.disabled_by:
            assert e.disabled_by is er.RegistryEntryDisabler.INTEGRATION


@pytest.mark.usefixtures("all_entities_enabled")
async def test_buttons_do_not_flip(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Buttons stay available through a request; a press with nothing pending is refused."""
    buttons = [
        entity_id(hass, "button", key, ROOT_ID)
        for key in ("approve_once", "approve_always", "reject", "abort")
    ]
    changes: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda event: (
            changes.append(event.data["entity_id"])
            if event.data["entity_id"] in buttons
            else None
        ),
    )
    await agent.update_session(
        state="waiting_permission", pending_permissions=[make_permission()]
    )
    state = entity_id(hass, "sensor", "state", ROOT_ID)
    await wait_for(hass, lambda: hass.states.get(state).state == "waiting_permission")
    await agent.update_session(state="working", pending_permissions=[])
    await wait_for(hass, lambda: hass.states.get(state).state == "working")
    await agent.update_session(state="idle")
    await wait_for(hass, lambda: hass.states.get(state).state == "idle")
    assert changes == []
    assert {hass.states.get(b).state for b in buttons} != {STATE_UNAVAILABLE}

    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "button", "press", {"entity_id": buttons[0]}, blocking=True
        )
    assert err.value.translation_key == "no_pending_permission"
    assert not agent.commands("reply_permission")

    # Unavailable with the session.
    await agent.update_session(available=False)
    await wait_for(hass, lambda: hass.states.get(buttons[0]).state == STATE_UNAVAILABLE)


def _session(state: State, last: datetime) -> Session:
    """Return a session in this state with this last activity."""
    session = decode(Session, make_session())
    return dataclasses.replace(session, state=state, last_activity=last)


def test_last_activity_exact_at_rest_and_held_while_busy() -> None:
    """Busy: at most one change a minute; idle or error: exactly the agent's value."""
    start = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    shown = shown_last_activity(None, _session(State.WORKING, start))
    assert shown == start
    for seconds in range(1, 60):
        later = start + timedelta(seconds=seconds)
        for busy in (State.WORKING, State.WAITING_PERMISSION, State.WAITING_INPUT):
            assert shown_last_activity(shown, _session(busy, later)) == start
    after_a_minute = start + BUSY_STEP
    assert shown_last_activity(shown, _session(State.WORKING, after_a_minute)) == (
        after_a_minute
    )
    done = start + timedelta(seconds=3)
    for rest in (State.IDLE, State.ERROR):
        assert shown_last_activity(shown, _session(rest, done)) == done
    # An older value (a session reloaded from elsewhere) is shown as it is.
    earlier = start - timedelta(seconds=5)
    assert shown_last_activity(shown, _session(State.WORKING, earlier)) == earlier


@pytest.mark.usefixtures("all_entities_enabled")
async def test_approve_buttons_show_their_command(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Where Approve is offered, the command it approves is shown too.

    The device page offers Approve only with the Pending permission sensor (the
    command) on it: the buttons are off by default, and an Approve press with the
    sensor disabled is refused. Before, the buttons were on and the sensor off.
    """
    await agent.update_session(
        state="waiting_permission", pending_permissions=[make_permission()]
    )
    sensor = entity_id(hass, "sensor", "permission", ROOT_ID)
    await wait_for(
        hass, lambda: (s := hass.states.get(sensor)) and s.state == "bash: rm -rf build"
    )
    registry = er.async_get(hass)
    approve = entity_id(hass, "button", "approve_once", ROOT_ID)
    assert registry.async_get(approve).device_id == registry.async_get(sensor).device_id
    registry.async_update_entity(sensor, disabled_by=er.RegistryEntryDisabler.USER)
    await hass.async_block_till_done()
    for key in ("approve_once", "approve_always"):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                "button",
                "press",
                {"entity_id": entity_id(hass, "button", key, ROOT_ID)},
                blocking=True,
            )
        assert err.value.translation_key == "command_not_shown"
    assert agent.commands("reply_permission") == []
    # Reject runs nothing: it needs no command in view.
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": entity_id(hass, "button", "reject", ROOT_ID)},
        blocking=True,
    )
    assert [c["reply"] for c in agent.commands("reply_permission")] == ["reject"]
