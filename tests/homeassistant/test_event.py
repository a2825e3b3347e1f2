"""The event entity and the opencode_lookout_event bus event; runs are the agent's facts."""

from common import device, entity_id, wait_for
from fake_agent import CHILD_ID, ROOT_ID, FakeAgent
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.opencode_lookout.const import EVENT_LOOKOUT
from homeassistant.core import HomeAssistant


async def test_events(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Each agent event fires the entity and the bus event, naming device and machine.

    The machine (hostname) and the config entry were missing from the bus event
    before (and the machine from the entity). The bus event (recorded) carries ids
    only; the entity shows the text (its unrecorded attributes).
    """
    events = async_capture_events(hass, EVENT_LOOKOUT)
    event_entity = entity_id(hass, "event", "activity", ROOT_ID)
    session_device = device(hass, init_integration, ROOT_ID)
    assert hass.states.get(event_entity).attributes["event_types"] == [
        "permission_requested",
        "permission_resolved",
        "question_asked",
        "completed",
        "error",
        "aborted",
    ]

    await agent.update_session(state="working")
    # The agent sends the session (with the permission) first, then the thin event.
    await agent.request_permission()
    await wait_for(hass, lambda: len(events) == 1)
    machine = {"machine": "devbox", "config_entry_id": init_integration.entry_id}
    assert events[0].data == {
        **machine,
        "device_id": session_device.id,
        "session_id": ROOT_ID,
        "type": "permission_requested",
        "permission_id": "per_1",
        "key": "bash",
        "permission_session_id": CHILD_ID,
    }
    state = hass.states.get(event_entity)
    assert state.attributes["event_type"] == "permission_requested"
    assert state.attributes["permission_id"] == "per_1"
    assert state.attributes["machine"] == "devbox"
    assert state.attributes["title"] == "bash: rm -rf build"
    assert state.attributes["patterns"] == ["rm -rf build"]
    assert state.attributes["always"] == ["rm *"]

    await agent.resolve_permission(reply="once", by="api")
    await agent.ask_question()
    # Events naming something the session does not (or no longer) carry: ids only.
    await agent.push(
        "question_asked",
        session_id=ROOT_ID,
        root_session_id=ROOT_ID,
        question_id="que_gone",
    )
    await agent.push(
        "permission_requested",
        session_id=ROOT_ID,
        root_session_id=ROOT_ID,
        permission_id="per_gone",
    )
    await agent.update_session(state="working", question=None)
    await agent.finish_run(seconds=12.5)
    await agent.start_run()
    await agent.finish_run(
        outcome="error",
        seconds=3,
        error={"name": "APIError", "message": "fake upstream failure"},
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
    assert events[2].data == {
        **machine,
        "device_id": session_device.id,
        "session_id": ROOT_ID,
        "type": "question_asked",
        "question_id": "que_1",
        "question_session_id": ROOT_ID,
    }
    assert events[3].data == {
        **machine,
        "device_id": session_device.id,
        "session_id": ROOT_ID,
        "type": "question_asked",
        "question_id": "que_gone",
        "question_session_id": ROOT_ID,
    }
    assert events[4].data["permission_id"] == "per_gone"
    assert events[5].data == {
        **machine,
        "device_id": session_device.id,
        "session_id": ROOT_ID,
        "type": "completed",
        "title": "Fix the build",
        "duration": 12.5,
        "started": events[5].data["started"],
        "finished": events[5].data["finished"],
    }
    assert events[6].data["message"] == "fake upstream failure"
    assert events[6].data["name"] == "APIError"
    assert events[6].data["duration"] == 3
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
    runtime = init_integration.runtime_data
    await wait_for(hass, lambda: runtime.sessions[ROOT_ID].state == "working")
    assert events == []
    assert CHILD_ID not in runtime.sessions


async def test_runs_come_from_the_agent(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Home Assistant derives no run from state changes; an abort is never completed.

    The old integration fired `completed` (duration 0) for working → idle, so an
    aborted run looked finished; now only run_finished says how a run ended.
    """
    events = async_capture_events(hass, EVENT_LOOKOUT)
    event_entity = entity_id(hass, "event", "activity", ROOT_ID)
    runtime = init_integration.runtime_data

    # State changes alone (no run_finished): nothing fires.
    await agent.update_session(state="working")
    await agent.update_session(state="idle")
    await agent.update_session(state="error", error={"name": "E", "message": "m"})
    await wait_for(hass, lambda: runtime.sessions[ROOT_ID].state == "error")
    assert events == []

    # run_started fires nothing; a sub-agent's run is part of its root's.
    await agent.start_run()
    await agent.update_session(CHILD_ID, state="working")
    await agent.finish_run(CHILD_ID, seconds=4)
    # The user aborts: the agent reports `aborted`, with its duration.
    await agent.finish_run(outcome="aborted", seconds=61.25)
    await wait_for(hass, lambda: len(events) == 1)
    assert [e.data["type"] for e in events] == ["aborted"]
    assert events[0].data["duration"] == 61.25
    state = hass.states.get(event_entity)
    assert state.attributes["event_type"] == "aborted"
    assert state.attributes["duration"] == 61.25
    assert "completed" not in [e.data["type"] for e in events]
    assert "reason" not in events[0].data

    # OpenCode 2 says why a run was stopped: the reason travels with the outcome.
    await agent.start_run()
    await agent.finish_run(outcome="aborted", seconds=2, reason="user")
    await wait_for(hass, lambda: len(events) == 2)
    assert (events[1].data["type"], events[1].data["reason"]) == ("aborted", "user")
    assert hass.states.get(event_entity).attributes["reason"] == "user"


async def test_events_name_the_machine_after_a_rename(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """A machine that comes back under another hostname is named by its new one."""
    events = async_capture_events(hass, EVENT_LOOKOUT)
    runtime = init_integration.runtime_data
    agent.hello["hostname"] = "devbox-2"
    await agent.drop_clients()
    await wait_for(hass, lambda: runtime.manager.server_info.hostname == "devbox-2")
    await agent.start_run()
    await agent.finish_run(seconds=1)
    await wait_for(hass, lambda: len(events) == 1)
    assert events[0].data["machine"] == "devbox-2"
    assert events[0].data["config_entry_id"] == init_integration.entry_id
