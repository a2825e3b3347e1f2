"""Agent restarts while Home Assistant stays connected: nothing is removed.

The real agent is stopped (SIGTERM, as a service manager does) for 1 s, 7 s and 20 s
while Home Assistant keeps reconnecting, then started again on the same port and config
directory. Home Assistant reconnects before the OpenCode plugin has dialled back in; the
agent must serve the sessions it remembers (unavailable until their OpenCode is back),
so no device and no entity is removed, and the session's event entity keeps its last
event (issue 10, item 1).
"""

import asyncio
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from real_ha import (
    device_entities,
    entity_lookup,
    session_device,
    setup_entry,
    wait_until,
)
from real_stack import RealStack

from homeassistant.const import STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

DOWNTIMES = (1, 7, 20)


@pytest.fixture
async def stack(hass: HomeAssistant, socket_enabled: None) -> AsyncGenerator[RealStack]:
    """Start the real stack for one test."""
    real = await hass.async_add_executor_job(lambda: RealStack().start())
    yield real
    await hass.async_add_executor_job(real.stop)


def _shown(hass: HomeAssistant, entity_id: str) -> str | None:
    """Return the state of an entity (None while it does not exist)."""
    state = hass.states.get(entity_id)
    return None if state is None else state.state


async def test_agent_restarts_keep_devices_and_entities(
    hass: HomeAssistant, stack: RealStack
) -> None:
    """Down 1 s, 7 s, 20 s: no device or entity removed, the last event kept."""
    entry_id = await setup_entry(hass, stack)
    sid = await hass.async_add_executor_job(stack.new_session)
    uid = f"{stack.server_id}_{sid}"
    state_id = await wait_until(
        "state sensor", entity_lookup(hass, "sensor", f"{uid}_state")
    )
    event_id = entity_lookup(hass, "event", f"{uid}_activity")()
    connected = entity_lookup(hass, "binary_sensor", f"{stack.server_id}_connected")()
    assert event_id is not None
    assert connected is not None
    # One finished run gives the event entity a last event.
    await hass.async_add_executor_job(stack.prompt, sid, "Say hello")
    await wait_until(
        "an event",
        lambda: _shown(hass, event_id) not in (None, "unknown", STATE_UNAVAILABLE),
    )
    await wait_until("idle", lambda: _shown(hass, state_id) == "idle")
    await asyncio.sleep(1.5)  # the run's last frames (cost, title) have landed
    last_event = hass.states.get(event_id)
    assert last_event is not None
    device = session_device(hass, entry_id, stack.server_id, sid)
    assert device is not None
    entities = device_entities(hass, device.id)
    devices = {
        d.id for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
    }

    removed: list[tuple[str, Any]] = []

    @callback
    def on_removal(event: Event[Any]) -> None:
        """Record every device or entity removal of the registries."""
        if event.data["action"] == "remove":
            removed.append((event.event_type, event.data))

    hass.bus.async_listen(dr.EVENT_DEVICE_REGISTRY_UPDATED, on_removal)
    hass.bus.async_listen(er.EVENT_ENTITY_REGISTRY_UPDATED, on_removal)

    for downtime in DOWNTIMES:
        await hass.async_add_executor_job(stack.stop_agent)
        await wait_until("disconnected", lambda: _shown(hass, connected) != STATE_ON)
        await asyncio.sleep(downtime)
        await hass.async_add_executor_job(stack.start_agent)
        await wait_until(
            f"reconnected after {downtime} s",
            lambda: _shown(hass, connected) == STATE_ON,
        )
        # Until the plugin is back the session may be unavailable; then it is idle.
        await wait_until(
            f"session back after {downtime} s",
            lambda: _shown(hass, state_id) == "idle",
            timeout=60,
        )
        assert removed == [], (downtime, removed)
        registry = er.async_get(hass)
        assert {
            e.entity_id for e in er.async_entries_for_device(registry, device.id, True)
        } == entities, downtime
        assert {
            d.id
            for d in dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
        } == devices, downtime
        event = hass.states.get(event_id)
        assert event is not None
        assert event.state == last_event.state, downtime
        assert event.attributes.get("event_type") == last_event.attributes.get(
            "event_type"
        ), downtime
    assert hass.config_entries.async_get_entry(entry_id) is not None
    assert await hass.config_entries.async_unload(entry_id)
