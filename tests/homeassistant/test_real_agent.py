"""End to end: the real agent binary + real OpenCode + fake LLM, driven from Home Assistant.

The component is set up through the config flow against the real agent; a bash permission
requested by a real OpenCode session shows as waiting_permission on the session device,
and pressing approve_once makes the command run and the session return to idle.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable

import pytest
from real_stack import RealStack

from custom_components.opencode_lookout.const import DOMAIN
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er


async def _wait(what: str, check: Callable[[], object], timeout: float = 45) -> object:
    """Poll until ``check`` returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if value := check():
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def stack(hass: HomeAssistant, socket_enabled: None) -> AsyncGenerator[RealStack]:
    """Start the real stack for one test."""
    real = await hass.async_add_executor_job(lambda: RealStack().start())
    yield real
    await hass.async_add_executor_job(real.stop)


async def _setup(hass: HomeAssistant, stack: RealStack) -> str:
    """Add the agent through the config flow; return the entry id."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: stack.api_port, CONF_TOKEN: stack.token},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    assert result["result"].unique_id == stack.server_id
    await hass.async_block_till_done()
    return result["result"].entry_id


def _entity(hass: HomeAssistant, platform: str, uid: str) -> Callable[[], str | None]:
    """Look up an entity id by unique id."""
    return lambda: er.async_get(hass).async_get_entity_id(platform, DOMAIN, uid)


async def test_approve_from_home_assistant(
    hass: HomeAssistant, stack: RealStack
) -> None:
    """A permission from a real OpenCode session is approved with the HA button."""
    entry_id = await _setup(hass, stack)
    sid = await hass.async_add_executor_job(stack.new_session)
    await hass.async_add_executor_job(stack.prompt, sid, "RUN: echo ha > ha.txt")

    uid = f"{stack.server_id}_{sid}"
    state_id = await _wait("state sensor", _entity(hass, "sensor", f"{uid}_state"))
    await _wait(
        "waiting_permission",
        lambda: hass.states.get(state_id).state == "waiting_permission",
    )
    permission_id = _entity(hass, "sensor", f"{uid}_permission")()
    assert hass.states.get(permission_id).state == "bash: echo ha > ha.txt"
    device_id = er.async_get(hass).async_get(state_id).device_id
    device = dr.async_get(hass).async_get(device_id)
    assert device.model == "OpenCode session"
    assert device.name == "Fake Title" or device.name.startswith("New session")

    button_id = _entity(hass, "button", f"{uid}_approve_once")()
    assert hass.states.get(button_id).state != "unavailable"
    await hass.services.async_call(
        "button", "press", {"entity_id": button_id}, blocking=True
    )
    assert await hass.async_add_executor_job(stack.wait_file, "ha.txt")
    await _wait("idle", lambda: hass.states.get(state_id).state == "idle")
    await _wait(
        "approve button unavailable",
        lambda: hass.states.get(button_id).state == "unavailable",
        timeout=10,
    )
    cost_id = _entity(hass, "sensor", f"{uid}_cost")()
    expected = (1800 * 3 + 400 * 15 + 200 * 0.3) / 1e6
    await _wait(
        "final cost",
        lambda: abs(float(hass.states.get(cost_id).state) - expected) < 1e-6,
        timeout=10,
    )
    assert await hass.config_entries.async_unload(entry_id)
