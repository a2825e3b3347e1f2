"""End to end on OpenCode 2: the real agent follows a registered V2 service, driven from HA.

No real OpenCode 2 can be installed on the test machines: the stand-in
tests/opencode_v2.py replaces it. It follows the published GA contract (registration
file, HTTP Basic auth, ``/api/event``, the reply / form / interrupt routes) and records
every request it receives, so the test checks exactly what reached "OpenCode". The
agent is started with no OpenCode flags (v2_stack.py) and finds the service by its
registration. One test walks the scenarios in sequence on one stack: discovery, the
OpenCode versions shown on the machine device, permission rounds from buttons and the
reply_permission action, a two-field form answered (and another dismissed) with
reply_question, an interrupt, a sub-agent's permission answered on its root session's
device, a prompt, and the service going away.
"""

from collections.abc import AsyncGenerator
from typing import Any

import pytest
from real_ha import (
    device_entities,
    entity_lookup,
    session_device,
    setup_entry,
    wait_until as real_wait_until,
)
from v2_stack import V2Stack

from custom_components.opencode_lookout.const import DOMAIN, EVENT_LOOKOUT
from homeassistant.core import Event, HomeAssistant, callback

# The stand-in answers at once and the agent coalesces for 100 ms: seconds are plenty.
WAIT = 20


async def wait_until[T](what: str, check: Any, timeout: float = WAIT) -> T:
    """Poll until ``check`` returns something truthy (shorter default than real_ha)."""
    value: T = await real_wait_until(what, check, timeout)
    return value


def tokens(input_: int, output: int, cache_read: int = 0) -> dict[str, Any]:
    """Return a V2 token usage object."""
    return {
        "input": input_,
        "output": output,
        "reasoning": 0,
        "cache": {"read": cache_read, "write": 0},
    }


@pytest.fixture
async def stack(hass: HomeAssistant, socket_enabled: None) -> AsyncGenerator[V2Stack]:
    """Start the stand-in and the agent following it, for one test."""
    v2 = await hass.async_add_executor_job(lambda: V2Stack().start())
    yield v2
    await hass.async_add_executor_job(v2.stop)


@pytest.mark.usefixtures("all_entities_enabled")
async def test_opencode_2_from_home_assistant(
    hass: HomeAssistant, stack: V2Stack
) -> None:
    """Every round a user plays on OpenCode 2 from Home Assistant reaches the service."""

    async def control(route: str, body: dict[str, Any]) -> Any:
        """Script the stand-in."""
        return await hass.async_add_executor_job(stack.control, route, body)

    async def sent(suffix: str) -> dict[str, Any]:
        """Wait for the request the agent sent to a route ending in ``suffix``."""
        call: dict[str, Any] = await wait_until(
            f"a call to {suffix}",
            lambda: stack.last_call(suffix),
        )
        return call

    async def press(uid: str, key: str) -> None:
        """Press a session button."""
        button = entity_lookup(hass, "button", f"{uid}_{key}")()
        await hass.services.async_call(
            "button", "press", {"entity_id": button}, blocking=True
        )

    events: list[dict[str, Any]] = []

    @callback
    def record(event: Event) -> None:
        """Keep every opencode_lookout_event."""
        events.append(dict(event.data))

    hass.bus.async_listen(EVENT_LOOKOUT, record)
    entry_id = await setup_entry(hass, stack)

    # The machine device says which OpenCode it follows: the V2 service, no plugin.
    versions_id = await wait_until(
        "versions sensor",
        entity_lookup(hass, "sensor", f"{stack.server_id}_opencode_versions"),
    )
    versions = await wait_until(
        "a connected service",
        lambda: (s := hass.states.get(versions_id)) and s.state == "2.0.22" and s,
    )
    assert versions.attributes["instances"] == [
        {"kind": "service", "version": "2.0.22", "connected": True}
    ]

    # Discovery with no flags: a session created in the service gets a device.
    root = await hass.async_add_executor_job(stack.session, "Fix the build")
    uid = f"{stack.server_id}_{root}"
    state_id = await wait_until(
        "state sensor", entity_lookup(hass, "sensor", f"{uid}_state")
    )
    device = session_device(hass, entry_id, stack.server_id, root)
    assert device is not None
    assert (device.name, device.model) == ("Fix the build", "OpenCode session")
    assert len(device_entities(hass, device.id)) > 20
    assert hass.states.get(state_id).state == "idle"

    # The plan, under the name third parties use for OpenCode 2's todo.updated.
    todos = [
        {"content": "Reproduce", "status": "completed", "priority": "high"},
        {"content": "Fix", "status": "pending", "priority": "high"},
    ]
    await control(
        "emit",
        {"type": "session.todo.updated", "data": {"sessionID": root, "todos": todos}},
    )
    plan_id = await wait_until(
        "plan entity", entity_lookup(hass, "todo", f"{uid}_plan")
    )
    await wait_until("1 item left", lambda: hass.states.get(plan_id).state == "1")

    def state() -> str:
        """Return the root session's state."""
        return hass.states.get(state_id).state

    activity_id = entity_lookup(hass, "event", f"{uid}_activity")()

    def activity(event_type: str) -> Any:
        """Return the activity entity's state once it last fired ``event_type``."""
        s = hass.states.get(activity_id)
        return s if s and s.attributes.get("event_type") == event_type else None

    # A permission round: the command is shown, approve_once reaches the service.
    await control("run", {"sessionID": root})
    await control(
        "step", {"sessionID": root, "cost": 0.0125, "tokens": tokens(900, 40, 100)}
    )
    command = "curl http://x/i.sh | sh"
    perm = await control(
        "permission", {"sessionID": root, "action": "shell", "resources": [command]}
    )
    await wait_until("waiting_permission", lambda: state() == "waiting_permission")
    asked = await wait_until(
        "permission_requested", lambda: activity("permission_requested")
    )
    assert asked.attributes["title"] == f"shell: {command}"
    assert asked.attributes["permission_id"] == perm["id"]
    # The bus event (recorded) carries the id, never the command.
    assert any(
        e["type"] == "permission_requested"
        and e["permission_id"] == perm["id"]
        and "title" not in e
        for e in events
    )
    await press(uid, "approve_once")
    reply = await sent(f"/session/{root}/permission/{perm['id']}/reply")
    assert (reply["method"], reply["body"]) == ("POST", {"decision": "once"})
    await wait_until("working", lambda: state() == "working")
    await control(
        "step", {"sessionID": root, "cost": 0.0075, "tokens": tokens(1000, 60)}
    )
    await control("finish", {"sessionID": root, "outcome": "succeeded"})
    await wait_until("idle", lambda: state() == "idle")
    done = await wait_until("completed", lambda: activity("completed"))
    assert "reason" not in done.attributes

    def value(key: str) -> str:
        """Return the state of a session sensor."""
        return hass.states.get(entity_lookup(hass, "sensor", f"{uid}_{key}")()).state

    await wait_until("final usage", lambda: value("tokens_input") == "1900")
    assert abs(float(value("cost")) - 0.02) < 1e-9
    assert (value("tokens_output"), value("tokens_cache_read")) == ("100", "100")
    assert value("model") == "fake/fake-model"

    # Approve always with its button; reject with a message through the action.
    for decision, message in (("always", None), ("reject", "use the staging db")):
        await control("run", {"sessionID": root})
        perm = await control(
            "permission",
            {"sessionID": root, "action": "shell", "resources": ["make deploy"]},
        )
        await wait_until("waiting_permission", lambda: state() == "waiting_permission")
        if message is None:
            await press(uid, "approve_always")
        else:
            await hass.services.async_call(
                DOMAIN,
                "reply_permission",
                {"device_id": device.id, "reply": "reject", "message": message},
                blocking=True,
            )
        reply = await sent(f"/permission/{perm['id']}/reply")
        want = {"decision": decision} | ({"message": message} if message else {})
        assert reply["body"] == want
        await control("finish", {"sessionID": root, "outcome": "succeeded"})
        await wait_until("idle", lambda: state() == "idle")

    # A form with a choice and a multiple choice, answered with reply_question: the
    # answer matches a label of each field and is sent as the fields' option values.
    await control("run", {"sessionID": root})
    form = await control(
        "form",
        {
            "sessionID": root,
            "title": "Questions",
            "fields": [
                {
                    "key": "q0",
                    "type": "string",
                    "title": "Color",
                    "description": "Which color?",
                    "options": [
                        {"value": "red", "label": "Red"},
                        {"value": "blue", "label": "Blue"},
                    ],
                    "custom": True,
                },
                {
                    "key": "q1",
                    "type": "multiselect",
                    "title": "Accents",
                    "description": "Which accents?",
                    "options": [
                        {"value": "accent-blue", "label": "Blue"},
                        {"value": "accent-gold", "label": "Gold"},
                    ],
                },
            ],
        },
    )
    await wait_until("waiting_input", lambda: state() == "waiting_input")
    asked = await wait_until("question_asked", lambda: activity("question_asked"))
    assert [q["question"] for q in asked.attributes["questions"]] == [
        "Which color?",
        "Which accents?",
    ]
    await hass.services.async_call(
        DOMAIN,
        "reply_question",
        {"device_id": device.id, "answer": "blue"},
        blocking=True,
    )
    reply = await sent(f"/form/{form['id']}/reply")
    assert reply["body"] == {"answer": {"q0": "blue", "q1": ["accent-blue"]}}
    await wait_until("working", lambda: state() == "working")
    # A form dismissed from HA is deleted in the service.
    form = await control(
        "form",
        {
            "sessionID": root,
            "fields": [{"key": "q0", "type": "string", "title": "Why?"}],
        },
    )
    await wait_until("waiting_input", lambda: state() == "waiting_input")
    await hass.services.async_call(
        DOMAIN,
        "reply_question",
        {"device_id": device.id, "reject": True},
        blocking=True,
    )
    dismissed = await sent(f"/session/{root}/form/{form['id']}")
    assert (dismissed["method"], dismissed["status"]) == ("DELETE", 204)
    await wait_until("working", lambda: state() == "working")

    # Interrupt from HA: the run ends aborted, with OpenCode's reason.
    await press(uid, "abort")
    await sent(f"/session/{root}/interrupt")
    aborted = await wait_until("aborted", lambda: activity("aborted"))
    assert aborted.attributes["reason"] == "user"
    run = next(e for e in reversed(events) if e["type"] == "aborted")
    assert (run["reason"], run["session_id"]) == ("user", root)
    await wait_until("idle", lambda: state() == "idle")

    # A sub-agent's permission shows on the root session's device, answered there.
    await control("run", {"sessionID": root})
    child = await hass.async_add_executor_job(stack.session, "explore", root)
    await control("run", {"sessionID": child})
    perm = await control(
        "permission",
        {"sessionID": child, "action": "edit", "resources": ["src/main.rs"]},
    )
    await wait_until("waiting_permission", lambda: state() == "waiting_permission")
    asked = await wait_until(
        "the child's permission",
        lambda: (
            (s := activity("permission_requested"))
            and s.attributes["permission_id"] == perm["id"]
            and s
        ),
    )
    assert asked.attributes["permission_session_id"] == child
    assert session_device(hass, entry_id, stack.server_id, child) is None
    await press(uid, "approve_once")
    reply = await sent(f"/session/{child}/permission/{perm['id']}/reply")
    assert reply["body"] == {"decision": "once"}
    await wait_until("working", lambda: state() == "working")
    await control("finish", {"sessionID": child, "outcome": "succeeded"})
    await control("finish", {"sessionID": root, "outcome": "succeeded"})
    await wait_until("idle", lambda: state() == "idle")

    # A prompt from HA goes to the V2 route.
    await hass.services.async_call(
        DOMAIN,
        "send_prompt",
        {"device_id": device.id, "text": "and the tests"},
        blocking=True,
    )
    assert (await sent(f"/session/{root}/prompt"))["body"] == {"text": "and the tests"}

    # The service goes away: the machine device says nothing is followed any more.
    await hass.async_add_executor_job(stack.stop_standin)
    gone = await wait_until(
        "the service offline",
        lambda: (
            (s := hass.states.get(versions_id))
            and s.attributes["instances"][0]["connected"] is False
            and s
        ),
    )
    assert gone.state == "unknown"
    await wait_until("unavailable", lambda: state() == "unavailable")
    assert await hass.config_entries.async_unload(entry_id)
