"""End to end: runs, errors and notifications with the real agent and real OpenCode.

The agent measures runs and knows aborts; Home Assistant only forwards what it says.
An abort from Home Assistant ends the run as `aborted` (never `completed`) and sends
no "finished" notification; a run that completes does. Aborting an idle session and
answering an unknown permission are the caller's mistakes (validation errors). Wrong
tokens lock the address out for a while: the right one then waits, and connects by
itself. Uses real_stack's helpers read-only (the stack is another lane's).
"""

import asyncio
from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

from aiohttp import ClientSession
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from real_ha import entity_lookup, wait_until
from real_stack import RealStack

from custom_components.opencode_lookout.client import InvalidAuth, LookoutClient
from custom_components.opencode_lookout.const import (
    CONF_FINGERPRINT,
    CONF_NOTIFY_MIN_DURATION,
    CONF_NOTIFY_TARGETS,
    DOMAIN,
    EVENT_LOOKOUT,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util

PLAIN = "notify.family_chat"
# The first session boots OpenCode's instance: up to a minute on a busy box.
NEW_SESSION_TIMEOUT = 180


@pytest.fixture
async def stack(hass: HomeAssistant, socket_enabled: None) -> AsyncGenerator[RealStack]:
    """Start the real stack for one test."""
    real = await hass.async_add_executor_job(lambda: RealStack().start())
    yield real
    await hass.async_add_executor_job(real.stop)


def _entry(stack: RealStack, **options: Any) -> MockConfigEntry:
    """Return an entry paired with the real agent (what the config flow stores)."""
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id=stack.server_id,
        title="devbox",
        data={
            CONF_HOST: "127.0.0.1",
            CONF_PORT: stack.api_port,
            CONF_TOKEN: stack.token,
            CONF_FINGERPRINT: stack.fingerprint,
        },
        options=options,
    )


async def test_abort_is_aborted_never_finished(
    hass: HomeAssistant, stack: RealStack
) -> None:
    """Abort from HA: `aborted` on the event entity and the bus, no finished note.

    The old integration derived `completed` (duration 0) from working → idle and
    told the phones the aborted run had finished.
    """
    notes: list[ServiceCall] = []

    @callback
    def note(call: ServiceCall) -> None:
        notes.append(call)

    hass.services.async_register("notify", PLAIN.removeprefix("notify."), note)
    events = async_capture_events(hass, EVENT_LOOKOUT)
    entry = _entry(stack, **{CONF_NOTIFY_TARGETS: [PLAIN], CONF_NOTIFY_MIN_DURATION: 0})
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    sid = await hass.async_add_executor_job(stack.new_session, NEW_SESSION_TIMEOUT)
    uid = f"{stack.server_id}_{sid}"
    state_id = await wait_until(
        "state sensor", entity_lookup(hass, "sensor", f"{uid}_state")
    )
    device_id = er.async_get(hass).async_get(state_id).device_id
    assert dr.async_get(hass).async_get(device_id) is not None
    # Nothing to abort yet: the agent says not_busy, a validation error.
    await wait_until("idle", lambda: hass.states.get(state_id).state == "idle")
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "abort_session", {"device_id": device_id}, blocking=True
        )
    assert err.value.translation_key == "not_busy"

    # A 20 s streamed answer, aborted from Home Assistant while it streams.
    await hass.async_add_executor_job(stack.prompt, sid, "STREAM:400:50")
    await wait_until("working", lambda: hass.states.get(state_id).state == "working")
    await asyncio.sleep(1)
    await hass.services.async_call(
        DOMAIN, "abort_session", {"device_id": device_id}, blocking=True
    )
    runs = lambda: [e.data for e in events if e.data["session_id"] == sid]  # noqa: E731
    await wait_until("run event", runs)
    await wait_until(
        "idle after abort", lambda: hass.states.get(state_id).state != "working"
    )
    await asyncio.sleep(2)  # anything else the agent would say about this run
    assert [e["type"] for e in runs()] == ["aborted"], runs()
    assert runs()[0]["duration"] >= 1
    event_id = entity_lookup(hass, "event", f"{uid}_activity")()
    assert hass.states.get(event_id).attributes["event_type"] == "aborted"
    assert not [n for n in notes if "Finished" in n.data["message"]]

    # A run that completes is `completed`, and the plain target is told once.
    await hass.async_add_executor_job(stack.prompt, sid, "hello")
    await wait_until(
        "completed", lambda: [e for e in runs() if e["type"] == "completed"]
    )
    done = await wait_until(
        "finished note",
        lambda: [n.data for n in notes if "Finished" in n.data["message"]],
        timeout=10,
    )
    assert done == [{"title": done[0]["title"], "message": done[0]["message"]}]
    assert [e["type"] for e in runs()] == ["aborted", "completed"]

    # The machine's Total spend is the agent's count of every message: here, with one
    # session, exactly that session's cost.
    spend_id = entity_lookup(hass, "sensor", f"{stack.server_id}_total_spend")()
    cost_id = entity_lookup(hass, "sensor", f"{uid}_cost")()

    def spend_is_cost() -> bool:
        spend, cost = hass.states.get(spend_id).state, hass.states.get(cost_id).state
        return float(cost) > 0 and abs(float(spend) - float(cost)) < 1e-9

    await wait_until("total spend = the session's cost", spend_is_cost, timeout=15)

    # An unknown permission id never reaches OpenCode: not_found, a validation error.
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "reply_permission",
            {"device_id": device_id, "reply": "once", "permission_id": "per_nope"},
            blocking=True,
        )
    assert err.value.translation_key == "not_found"
    assert await hass.config_entries.async_unload(entry.entry_id)


async def test_wrong_tokens_then_the_right_one_connects(
    hass: HomeAssistant, stack: RealStack
) -> None:
    """After five wrong tokens from this address, the right entry waits and connects.

    It is told "too many attempts, try again in N s" (setup retry, no reauth flow),
    and Home Assistant's own retries bring it up once the agent accepts attempts.
    """
    async with ClientSession() as http:
        for _ in range(5):
            wrong = LookoutClient(
                http, "127.0.0.1", stack.api_port, "x" * 43, stack.fingerprint
            )
            with pytest.raises(InvalidAuth):
                await wrong.connect()
    entry = _entry(stack)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert entry.reason.startswith(f"Too many attempts at 127.0.0.1:{stack.api_port}")
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []

    # The agent's window is a minute: keep nudging HA's retry timer until it is in.
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 90
    while entry.state is not ConfigEntryState.LOADED and loop.time() < deadline:
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=10))
        await hass.async_block_till_done()
        await asyncio.sleep(2)
    assert entry.state is ConfigEntryState.LOADED
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []
    assert await hass.config_entries.async_unload(entry.entry_id)
