"""Spend that adds up: the machine totals never drop, and HA's statistics agree.

Total spend and Total tokens are the agent's usage (every message counted once, never
decreasing): evicting a session, restarting the agent and reloading the entry (as a
Home Assistant restart does) change nothing, so the recorder's long-term statistics
show exactly the spend that happened and no negative change.
"""

from datetime import datetime, timedelta
from typing import Any

from common import entity_id, wait_for
from fake_agent import ROOT_ID, FakeAgent
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
    do_adhoc_statistics,
    get_start_time,
)

from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import EVENT_STATE_CHANGED, STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.util import dt as dt_util

KEYS = ("total_spend", "total_tokens")


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: object) -> None:
    """Prepare the recorder's database before `hass` (HA's pattern for recorder tests)."""


async def _compile(hass: HomeAssistant, since: datetime) -> None:
    """Compile the 5-minute statistics of every period from `since` until now."""
    start = get_start_time(since)
    while start <= dt_util.utcnow():
        do_adhoc_statistics(hass, start=start)
        await async_wait_recording_done(hass)
        start += timedelta(minutes=5)


async def test_totals_survive_eviction_and_restarts(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    agent: FakeAgent,
    config_entry: MockConfigEntry,
) -> None:
    """Eviction, an agent restart and an entry reload never lower the totals."""
    began = dt_util.utcnow()
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    runtime = config_entry.runtime_data
    ids = {key: entity_id(hass, "sensor", key) for key in KEYS}
    values: dict[str, list[float]] = {key: [] for key in KEYS}

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        for key, eid in ids.items():
            new = event.data["new_state"]
            if (
                event.data["entity_id"] == eid
                and new
                and new.state != STATE_UNAVAILABLE
            ):
                values[key].append(float(new.state))

    hass.bus.async_listen(EVENT_STATE_CHANGED, record)
    first = {"total_spend": agent.usage["cost"], "total_tokens": agent.usage["tokens"]}

    def shows(usage: dict[str, Any]) -> bool:
        spend = hass.states.get(ids["total_spend"])
        return spend is not None and spend.state == str(usage["cost"])

    await agent.add_usage(cost=0.5, tokens_input=1000, tokens_output=200)
    await wait_for(hass, lambda: shows(agent.usage))

    # The agent evicts the session that spent it: the totals stay.
    await agent.remove_session(ROOT_ID, reason="evicted")
    await wait_for(hass, lambda: ROOT_ID not in runtime.sessions)

    # The agent restarts (its store keeps the totals).
    await agent.stop()
    await wait_for(
        hass, lambda: hass.states.get(ids["total_spend"]).state == STATE_UNAVAILABLE
    )
    await agent.start()
    await wait_for(hass, lambda: runtime.manager.connected and shows(agent.usage))

    # Home Assistant's side starts over (an entry reload, as at a restart).
    await hass.config_entries.async_reload(config_entry.entry_id)
    await wait_for(hass, lambda: config_entry.state is ConfigEntryState.LOADED)
    await wait_for(hass, lambda: shows(agent.usage))

    await agent.add_usage(cost=0.25, tokens_output=50)
    await wait_for(hass, lambda: shows(agent.usage))
    last = {"total_spend": agent.usage["cost"], "total_tokens": agent.usage["tokens"]}

    for key in KEYS:
        assert values[key] == sorted(values[key]), key  # never dropped
        assert values[key][-1] == pytest.approx(last[key])

    await _compile(hass, began)
    stats = await recorder_mock.async_add_executor_job(
        statistics_during_period,
        hass,
        get_start_time(began),
        None,
        set(ids.values()),
        "5minute",
        None,
        {"sum", "state", "change"},
    )
    for key, eid in ids.items():
        rows = stats[eid]
        assert all(row["change"] >= 0 for row in rows), rows
        # No new cycle was detected: the statistics hold exactly what was spent.
        assert rows[-1]["sum"] == pytest.approx(last[key] - first[key])
        assert sum(row["change"] for row in rows) == pytest.approx(
            last[key] - first[key]
        )
        assert rows[-1]["state"] == pytest.approx(last[key])
    await hass.config_entries.async_unload(config_entry.entry_id)
