"""The event entity and the opencode_lookout_event bus event."""

from __future__ import annotations

from common import entity_id, wait_for
from fake_agent import CHILD_ID, ROOT_ID, FakeAgent, make_permission, make_question
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.opencode_lookout.const import DOMAIN, EVENT_LOOKOUT
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr


async def test_events(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Each agent event fires the entity and the bus event with device_id."""
    events = async_capture_events(hass, EVENT_LOOKOUT)
    event_entity = entity_id(hass, "event", "activity", ROOT_ID)
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{init_integration.unique_id}_{ROOT_ID}"), init_integration.entry_id
    )
    assert hass.states.get(event_entity).attributes["event_types"] == [
        "permission_requested",
        "permission_resolved",
        "question_asked",
        "completed",
        "error",
    ]

    await agent.update_session(state="working")
    await agent.push(
        "permission_requested",
        session_id=CHILD_ID,
        root_session_id=ROOT_ID,
        permission=make_permission(),
    )
    await wait_for(hass, lambda: len(events) == 1)
    assert events[0].data == {
        "device_id": device.id,
        "session_id": ROOT_ID,
        "type": "permission_requested",
        "permission_id": "per_1",
        "key": "bash",
        "title": "bash: rm -rf build",
        "patterns": ["rm -rf build"],
        "always": ["rm *"],
        "permission_session_id": CHILD_ID,
    }
    state = hass.states.get(event_entity)
    assert state.attributes["event_type"] == "permission_requested"
    assert state.attributes["permission_id"] == "per_1"

    await agent.push(
        "permission_resolved",
        session_id=CHILD_ID,
        root_session_id=ROOT_ID,
        permission_id="per_1",
        reply="once",
        by="api",
    )
    await agent.push(
        "question_asked",
        session_id=ROOT_ID,
        root_session_id=ROOT_ID,
        question=make_question(),
    )
    await agent.push("question_asked", session_id=ROOT_ID, question=None)
    await agent.push("permission_requested", session_id=ROOT_ID, permission="bad")
    await agent.update_session(state="idle")
    await agent.update_session(
        state="error", error={"name": "APIError", "message": "fake upstream failure"}
    )
    await wait_for(hass, lambda: len(events) == 7)
    types = [e.data["type"] for e in events]
    assert types == [
        "permission_requested",
        "permission_resolved",
        "question_asked",
        "question_asked",
        "permission_requested",
        "completed",
        "error",
    ]
    assert events[1].data["reply"] == "once"
    assert events[1].data["by"] == "api"
    assert events[2].data["questions"][0]["options"] == ["Postgres", "SQLite"]
    assert events[6].data["message"] == "fake upstream failure"
    assert hass.states.get(event_entity).attributes["event_type"] == "error"


async def test_events_of_unknown_sessions_ignored(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Events for untracked sessions and unknown events fire nothing."""
    events = async_capture_events(hass, EVENT_LOOKOUT)
    await agent.push("permission_requested", session_id="x", root_session_id="x")
    await agent.push("instance_disconnected", instance_id="plugin-4242")
    await agent.update_session(CHILD_ID, state="working")
    await agent.push("session_removed", session_id="unknown", reason="deleted")
    await agent.update_session(state="working")
    manager = init_integration.runtime_data.manager
    await wait_for(hass, lambda: manager.sessions[ROOT_ID].state == "working")
    assert events == []
    assert CHILD_ID not in manager.sessions
