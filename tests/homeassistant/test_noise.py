"""Noise budgets, counted against the real agent + real OpenCode + the fake LLM.

Per session, one permission round (prompt → request → approve → idle) may write at most
25 state changes and 10 logbook entries, and a 4 s answer streamed in 400 pieces at most
12 state changes (issue 10). The agent runs with its default coalescing, as for users.
Counted: every state_changed event of the session device's entities, and every logbook
entry (HA's own logbook, read back over its websocket API) about them or about the
integration's audit events.
"""

import asyncio
from collections import Counter
from collections.abc import AsyncGenerator
from datetime import datetime
import logging
from typing import Any

import pytest
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from real_ha import (
    device_entities,
    entity_lookup,
    session_device,
    setup_entry,
    wait_until,
)
from real_stack import RealStack

from custom_components.opencode_lookout.client import Session
from custom_components.opencode_lookout.const import DOMAIN
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

_LOGGER = logging.getLogger(__name__)

ROUND_STATE_CHANGES = 25
ROUND_LOGBOOK_ENTRIES = 10
STREAM_STATE_CHANGES = 12
# Longer than the agent's default coalescing interval: late updates land in the count.
SETTLE = 2.5


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Any, enable_custom_integrations: None
) -> None:
    """Start the recorder (the logbook reads it) before Home Assistant itself."""


@pytest.fixture
async def stack(hass: HomeAssistant, socket_enabled: None) -> AsyncGenerator[RealStack]:
    """Start the real stack with the agent's default coalescing."""
    real = await hass.async_add_executor_job(
        lambda: RealStack(default_coalesce=True).start()
    )
    yield real
    await hass.async_add_executor_job(real.stop)


class Meter:
    """Count the state changes of a set of entities, per entity."""

    def __init__(self, hass: HomeAssistant, entity_ids: set[str]) -> None:
        """Start listening."""
        self.entity_ids = entity_ids
        self.changes: Counter[str] = Counter()
        self.since = dt_util.utcnow()
        self._unsub = hass.bus.async_listen(EVENT_STATE_CHANGED, self._count)

    @callback
    def _count(self, event: Event[EventStateChangedData]) -> None:
        """Count one state change of ours."""
        if event.data["entity_id"] in self.entity_ids:
            self.changes[event.data["entity_id"]] += 1

    def stop(self) -> tuple[datetime, datetime]:
        """Stop counting; return the time span counted."""
        self._unsub()
        return self.since, dt_util.utcnow()

    @property
    def total(self) -> int:
        """Return the number of state changes."""
        return sum(self.changes.values())


async def _logbook(
    hass: HomeAssistant, ws: Any, span: tuple[datetime, datetime], ours: set[str]
) -> list[dict[str, Any]]:
    """Return the logbook entries of the span about our entities or our events."""
    await async_wait_recording_done(hass)
    await ws.send_json_auto_id(
        {
            "type": "logbook/get_events",
            "start_time": span[0].isoformat(),
            "end_time": span[1].isoformat(),
        }
    )
    response = await ws.receive_json()
    assert response["success"], response
    return [
        e
        for e in response["result"]
        if e.get("entity_id") in ours or e.get("domain") == DOMAIN
    ]


def _shown(hass: HomeAssistant, entity_id: str) -> str:
    """Return the state of an entity."""
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


async def test_permission_round_and_streamed_answer(
    hass: HomeAssistant, hass_ws_client: Any, stack: RealStack
) -> None:
    """Count a permission round and a 4 s streamed answer of one session."""
    assert await async_setup_component(hass, "logbook", {})
    entry_id = await setup_entry(hass, stack)
    entry = hass.config_entries.async_get_entry(entry_id)
    assert entry is not None
    sid = await hass.async_add_executor_job(stack.new_session)
    uid = f"{stack.server_id}_{sid}"
    state_id = await wait_until(
        "state sensor", entity_lookup(hass, "sensor", f"{uid}_state")
    )
    device = session_device(hass, entry_id, stack.server_id, sid)
    assert device is not None
    ours = device_entities(hass, device.id)

    # One permission round on a new session, as a user starts one.
    meter = Meter(hass, ours)
    await hass.async_add_executor_job(stack.prompt, sid, "RUN: echo noise > noise.txt")
    await wait_until(
        "waiting_permission", lambda: _shown(hass, state_id) == "waiting_permission"
    )
    # The permission buttons are off by default: approve with the action.
    await hass.services.async_call(
        DOMAIN,
        "reply_permission",
        {"device_id": device.id, "reply": "once"},
        blocking=True,
    )
    assert await hass.async_add_executor_job(stack.wait_file, "noise.txt")
    await wait_until("idle", lambda: _shown(hass, state_id) == "idle")
    await asyncio.sleep(SETTLE)
    await hass.async_block_till_done()
    span = meter.stop()
    logbook = await _logbook(hass, await hass_ws_client(hass), span, ours)
    report = {
        "round_state_changes": meter.total,
        "round_logbook": len(logbook),
        "per_entity": dict(meter.changes),
        "logbook": [
            (e.get("entity_id") or e.get("name"), e.get("state") or e.get("message"))
            for e in logbook
        ],
    }

    # A 4 s answer streamed in 400 pieces.
    meter = Meter(hass, ours)
    await hass.async_add_executor_job(stack.prompt, sid, "STREAM:400:10")
    await wait_until("working", lambda: _shown(hass, state_id) == "working")
    await wait_until("idle", lambda: _shown(hass, state_id) == "idle", timeout=60)
    await asyncio.sleep(SETTLE)
    await hass.async_block_till_done()
    meter.stop()
    report["stream_state_changes"] = meter.total
    report["stream_per_entity"] = dict(meter.changes)
    _LOGGER.info("noise: %s", report)

    # Final values: what the entities show is what the agent last said.
    session: Session = entry.runtime_data.sessions[sid]
    assert _shown(hass, state_id) == "idle"
    cost = entity_lookup(hass, "sensor", f"{uid}_cost")()
    assert cost is not None
    assert float(_shown(hass, cost)) == pytest.approx(session.cost_total)

    # On failure the whole report, one line per logbook entry: CI shows the tail.
    shown = "\n".join([str(report), *map(str, report["logbook"])])
    assert report["round_state_changes"] <= ROUND_STATE_CHANGES, shown
    assert report["round_logbook"] <= ROUND_LOGBOOK_ENTRIES, shown
    assert report["stream_state_changes"] <= STREAM_STATE_CHANGES, shown
    assert await hass.config_entries.async_unload(entry_id)
