"""End to end: the real agent binary + real OpenCode + fake LLM, driven from Home Assistant.

The component is set up through the config flow against the real agent; a bash permission
requested by a real OpenCode session shows as waiting_permission on the session device,
and pressing approve_once makes the command run and the session return to idle. With one
phone chosen in the options, the phone's Approve and Reject (with a typed reason) taps,
fired exactly as the companion app fires them (with the phone owner's user), steer the
real session. The connection is the pinned wss:// one, paired with the pairing string.
"""

from collections.abc import AsyncGenerator

import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from real_ha import entity_lookup, setup_entry, wait_until
from real_stack import RealStack

from custom_components.opencode_lookout.const import CONF_NOTIFY, CONF_NOTIFY_TARGETS
from homeassistant.core import Context, HomeAssistant, ServiceCall, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er


@pytest.fixture
async def stack(hass: HomeAssistant, socket_enabled: None) -> AsyncGenerator[RealStack]:
    """Start the real stack for one test."""
    real = await hass.async_add_executor_job(lambda: RealStack().start())
    yield real
    await hass.async_add_executor_job(real.stop)


@pytest.mark.usefixtures("all_entities_enabled")
async def test_approve_from_home_assistant(
    hass: HomeAssistant, stack: RealStack
) -> None:
    """A permission from a real OpenCode session is approved with the HA button."""
    entry_id = await setup_entry(hass, stack)
    sid = await hass.async_add_executor_job(stack.new_session)
    await hass.async_add_executor_job(stack.prompt, sid, "RUN: echo ha > ha.txt")

    uid = f"{stack.server_id}_{sid}"
    state_id = await wait_until(
        "state sensor", entity_lookup(hass, "sensor", f"{uid}_state")
    )
    await wait_until(
        "waiting_permission",
        lambda: hass.states.get(state_id).state == "waiting_permission",
    )
    # The Activity event entity carries the request.
    activity_id = entity_lookup(hass, "event", f"{uid}_activity")()
    activity = await wait_until(
        "permission_requested event",
        lambda: (
            (state := hass.states.get(activity_id))
            and state.attributes.get("event_type") == "permission_requested"
            and state
        ),
        timeout=10,
    )
    assert activity.attributes["title"] == "bash: echo ha > ha.txt"
    device_id = er.async_get(hass).async_get(state_id).device_id
    device = dr.async_get(hass).async_get(device_id)
    assert device.model == "OpenCode session"
    assert device.name == "Fake Title" or device.name.startswith("New session")

    button_id = entity_lookup(hass, "button", f"{uid}_approve_once")()
    assert hass.states.get(button_id).state != "unavailable"
    await hass.services.async_call(
        "button", "press", {"entity_id": button_id}, blocking=True
    )
    assert await hass.async_add_executor_job(stack.wait_file, "ha.txt")
    await wait_until("idle", lambda: hass.states.get(state_id).state == "idle")
    # The button stays available (no logbook noise); with nothing pending it refuses.
    assert hass.states.get(button_id).state != "unavailable"
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "button", "press", {"entity_id": button_id}, blocking=True
        )
    cost_id = entity_lookup(hass, "sensor", f"{uid}_cost")()
    expected = (1800 * 3 + 400 * 15 + 200 * 0.3) / 1e6
    await wait_until(
        "final cost",
        lambda: abs(float(hass.states.get(cost_id).state) - expected) < 1e-6,
        timeout=10,
    )
    assert await hass.config_entries.async_unload(entry_id)


async def test_plan_from_opencode(hass: HomeAssistant, stack: RealStack) -> None:
    """A real OpenCode's todowrite becomes the session's plan entity (V1 todo.updated)."""
    await setup_entry(hass, stack)
    sid = await hass.async_add_executor_job(stack.new_session)
    await hass.async_add_executor_job(stack.prompt, sid, "MAKE_PLAN")
    plan_id = await wait_until(
        "plan entity",
        entity_lookup(hass, "todo", f"{stack.server_id}_{sid}_plan"),
        timeout=10,
    )
    await wait_until("2 items left", lambda: hass.states.get(plan_id).state == "2")
    result = await hass.services.async_call(
        "todo",
        "get_items",
        {"status": ["needs_action", "completed"]},
        target={"entity_id": plan_id},
        blocking=True,
        return_response=True,
    )
    items = result[plan_id]["items"]  # type: ignore[index]
    assert [(i["summary"], i["status"]) for i in items] == [  # type: ignore[union-attr]
        ("Read the code", "completed"),
        ("Fix the bug", "needs_action"),
        ("Run the tests", "needs_action"),
    ]


async def test_approve_and_reject_from_the_phone(
    hass: HomeAssistant, stack: RealStack
) -> None:
    """One phone chosen in the options, nothing else: the phone's taps steer OpenCode."""
    calls: list[ServiceCall] = []

    @callback
    def phone(call: ServiceCall) -> None:
        """Stand in for the companion app's notify action."""
        calls.append(call)

    hass.services.async_register("notify", "mobile_app_test", phone)
    # The phone is a Companion app device of a user: its taps carry that user.
    owner = await hass.auth.async_create_user("phone owner")
    MockConfigEntry(
        domain="mobile_app", data={"device_name": "test", "user_id": owner.id}
    ).add_to_hass(hass)
    entry_id = await setup_entry(hass, stack)
    flow = await hass.config_entries.options.async_init(entry_id)
    flow = await hass.config_entries.options.async_configure(
        flow["flow_id"],
        {CONF_NOTIFY: {CONF_NOTIFY_TARGETS: ["notify.mobile_app_test"]}},
    )
    assert flow["type"] is FlowResultType.CREATE_ENTRY, flow
    await hass.async_block_till_done()

    def request(tag_prefix: str = "per_") -> dict | None:
        """Return the latest actionable notification, if any."""
        for call in reversed(calls):
            data = call.data.get("data", {})
            if data.get("actions") and str(data.get("tag", "")).startswith(tag_prefix):
                return call.data
        return None

    def cleared(tag: str) -> bool:
        """Return whether the notification with this tag was withdrawn."""
        return any(
            c.data["message"] == "clear_notification" and c.data["data"]["tag"] == tag
            for c in calls
        )

    sid = await hass.async_add_executor_job(stack.new_session)
    await hass.async_add_executor_job(stack.prompt, sid, "RUN: echo phone > phone.txt")
    note = await wait_until("permission notification", request)
    assert "echo phone > phone.txt" in note["message"]
    actions = {a["title"]: a for a in note["data"]["actions"]}
    assert actions["Approve"]["authenticationRequired"] is True
    tag = note["data"]["tag"]
    # Exactly what the companion app fires when Approve is tapped (Android: no action_data).
    hass.bus.async_fire(
        "mobile_app_notification_action",
        {"action": actions["Approve"]["action"], "tag": tag},
        context=Context(user_id=owner.id),
    )
    assert await hass.async_add_executor_job(stack.wait_file, "phone.txt")
    await wait_until("approve notification cleared", lambda: cleared(tag), timeout=15)

    uid = f"{stack.server_id}_{sid}"
    state_id = entity_lookup(hass, "sensor", f"{uid}_state")()
    await wait_until("idle", lambda: hass.states.get(state_id).state == "idle")
    calls.clear()
    await hass.async_add_executor_job(stack.prompt, sid, "RUN: touch refused.txt")
    note = await wait_until("second permission notification", request)
    reject = next(a for a in note["data"]["actions"] if a["title"] == "Reject")
    assert reject.get("destructive") is True
    assert reject.get("behavior") == "textInput"
    hass.bus.async_fire(
        "mobile_app_notification_action",
        {
            "action": reject["action"],
            "reply_text": "use the staging db",
            "tag": note["data"]["tag"],
        },
        context=Context(user_id=owner.id),
    )
    await wait_until(
        "reject notification cleared", lambda: cleared(note["data"]["tag"]), timeout=15
    )
    await wait_until("idle again", lambda: hass.states.get(state_id).state == "idle")
    assert not (stack.project / "refused.txt").exists()
    assert await hass.async_add_executor_job(stack.llm_saw, "use the staging db")
    assert await hass.config_entries.async_unload(entry_id)
