"""Phone notifications of finished and failed runs (never aborted ones); the delay."""

from datetime import timedelta
from typing import Any

from common import wait_for
from fake_agent import ROOT_ID, FakeAgent, make_permission, make_question
from notify_common import PHONE, sent, wait_calls
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.opencode_lookout.const import (
    CONF_NOTIFY_DELAY,
    CONF_NOTIFY_ERRORS,
    CONF_NOTIFY_PERMISSIONS,
    EVENT_LOOKOUT,
)
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.util import dt as dt_util


async def _run(
    hass: HomeAssistant,
    agent: FakeAgent,
    entry: MockConfigEntry,
    seconds: int,
    **end: Any,
) -> None:
    """Run the root session; the agent reports it finished after `seconds`."""
    events = async_capture_events(hass, EVENT_LOOKOUT)
    await agent.start_run()
    await agent.finish_run(seconds=seconds, **end)
    await wait_for(hass, lambda: events)


async def test_finished_and_error_threshold(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    agent: FakeAgent,
    config_entry: MockConfigEntry,
) -> None:
    """Runs shorter than the threshold (30 s by default) notify nothing."""
    events = async_capture_events(hass, EVENT_LOOKOUT)
    await _run(hass, agent, config_entry, 10)
    await _run(hass, agent, config_entry, 125)
    await wait_calls(hass, calls, 2)
    note = sent(calls, PHONE)[-1]
    assert note == {
        "title": "devbox · Fix the build",
        "message": "Finished after 2 min 5 s.",
        "data": {
            "tag": f"{ROOT_ID}_status",
            "group": note["data"]["group"],
            "url": note["data"]["url"],
            "clickAction": note["data"]["url"],
        },
    }
    assert [e.data["duration"] for e in events] == [10, 125]

    error = {"name": "APIError", "message": "fake upstream failure"}
    await _run(hass, agent, config_entry, 5, outcome="error", error=error)
    await _run(hass, agent, config_entry, 3700, outcome="error", error=error)
    await wait_calls(hass, calls, 4)
    assert sent(calls, PHONE)[-1]["message"] == (
        "Stopped with an error after 1 h 1 min: APIError: fake upstream failure"
    )
    await _run(hass, agent, config_entry, 45)
    await wait_calls(hass, calls, 6)
    assert sent(calls, PHONE)[-1]["message"] == "Finished after 45 s."


@pytest.mark.parametrize(
    "notify_options",
    [{CONF_NOTIFY_ERRORS: False, "notify_finished": False, "notify_min_duration": 0}],
)
async def test_status_toggles(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    agent: FakeAgent,
    config_entry: MockConfigEntry,
) -> None:
    """Finished and error notifications can be switched off."""
    await _run(hass, agent, config_entry, 500)
    error = {"name": "E", "message": ""}
    await _run(hass, agent, config_entry, 500, outcome="error", error=error)
    assert calls == []


async def test_aborted_run_never_notifies(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    agent: FakeAgent,
    config_entry: MockConfigEntry,
) -> None:
    """A run the user stopped is not "finished": no notification, however long."""
    await _run(hass, agent, config_entry, 500, outcome="aborted")
    await _run(hass, agent, config_entry, 40)
    await wait_calls(hass, calls, 2)
    assert [c.data["message"] for c in calls] == ["Finished after 40 s."] * 2


@pytest.mark.parametrize(
    "notify_options", [{CONF_NOTIFY_DELAY: 10, CONF_NOTIFY_PERMISSIONS: True}]
)
async def test_delay(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    agent: FakeAgent,
    config_entry: MockConfigEntry,
) -> None:
    """A request answered within the delay never reaches the phones."""
    runtime = config_entry.runtime_data

    async def update(state: str, **changes: Any) -> None:
        await agent.update_session(state=state, **changes)
        await wait_for(hass, lambda: runtime.sessions[ROOT_ID].state == state)

    await update(
        "waiting_permission",
        pending_permissions=[make_permission()],
    )
    await update("working", pending_permissions=[])
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done()
    assert calls == []

    await update("waiting_input", question=make_question())
    await agent.push(
        "permission_resolved", session_id=ROOT_ID, permission_id="per_x", by="api"
    )
    await update("waiting_input", title="Still asking")
    assert calls == []
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await wait_calls(hass, calls, 2)
    assert sent(calls, PHONE)[-1]["data"]["tag"] == "que_1"

    # Resolved while waiting: never sent. Unloading cancels what still waits.
    await update("waiting_permission", pending_permissions=[make_permission()])
    await agent.push(
        "permission_resolved", session_id=ROOT_ID, permission_id="per_1", by="api"
    )
    await update("waiting_permission", pending_permissions=[make_permission(id="p2")])
    await wait_for(
        hass, lambda: runtime.sessions[ROOT_ID].pending_permissions[0].id == "p2"
    )
    await hass.config_entries.async_unload(config_entry.entry_id)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done()
    assert len(calls) == 2
