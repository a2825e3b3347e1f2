"""`opencode-lookout rotate` while Home Assistant is connected, with the real agent.

The running agent takes the new token and certificate at once: it closes Home
Assistant's connection (made with the old token), the old pairing no longer connects,
Home Assistant asks to pair again (a reauth flow) without a restart of anything, and
the new pairing string brings the entry back.
"""

from collections.abc import AsyncGenerator
from typing import Any

import pytest
from real_ha import entity_lookup, setup_entry, wait_until
from real_stack import RealStack

from custom_components.opencode_lookout.config_flow import CONF_PAIRING
from custom_components.opencode_lookout.const import DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH
from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType


@pytest.fixture
async def stack(hass: HomeAssistant, socket_enabled: None) -> AsyncGenerator[RealStack]:
    """Start the real stack for one test."""
    real = await hass.async_add_executor_job(lambda: RealStack().start())
    yield real
    await hass.async_add_executor_job(real.stop)


def _reauth_flows(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Return the reauth flows in progress."""
    return [
        dict(f)
        for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if f["context"]["source"] == SOURCE_REAUTH
    ]


async def test_rotate_disconnects_and_asks_to_pair_again(
    hass: HomeAssistant, stack: RealStack
) -> None:
    """Rotate → disconnected at once → reauth → the new pairing string reconnects."""
    entry_id = await setup_entry(hass, stack)
    entry = hass.config_entries.async_get_entry(entry_id)
    assert entry is not None
    connected = entity_lookup(hass, "binary_sensor", f"{stack.server_id}_connected")()
    assert connected is not None

    def shown() -> str | None:
        state = hass.states.get(connected)
        return None if state is None else state.state

    await wait_until("connected", lambda: shown() == STATE_ON)
    old_pairing = stack.pairing

    said = await hass.async_add_executor_job(stack.rotate)
    assert "switched" in said, said
    await wait_until("disconnected", lambda: shown() == STATE_OFF, timeout=15)
    flows = await wait_until("a reauth flow", lambda: _reauth_flows(hass), timeout=30)

    flow_id = flows[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_PAIRING: old_pairing}
    )
    assert result["errors"] == {"base": "fingerprint_mismatch"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_PAIRING: stack.pairing}
    )
    assert result["type"] is FlowResultType.ABORT, result
    assert result["reason"] == "reauth_successful"
    await wait_until("connected again", lambda: shown() == STATE_ON)
    assert await hass.config_entries.async_unload(entry_id)
