"""Availability: agent down/up, session unavailable, reconnect resync, reauth, repair."""

import asyncio
import logging

from common import entity_id, wait_for
from fake_agent import ROOT_ID, FakeAgent, make_session
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.client import SCHEMA
from custom_components.opencode_lookout.const import DOMAIN
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir


def _entity_states(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, str]:
    """Return the state of every enabled entity of the entry."""
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    return {
        e.entity_id: hass.states.get(e.entity_id).state
        for e in entries
        if not e.disabled_by
    }


async def test_agent_down_and_back(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    agent: FakeAgent,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Agent unreachable: all unavailable (logged once); back: resync, no reload."""
    connected = entity_id(hass, "binary_sensor", "connected")
    state = entity_id(hass, "sensor", "state", ROOT_ID)
    await agent.stop()
    await wait_for(hass, lambda: hass.states.get(state).state == STATE_UNAVAILABLE)
    states = _entity_states(hass, init_integration)
    assert states.pop(connected) == STATE_OFF
    assert set(states.values()) == {STATE_UNAVAILABLE}
    await asyncio.sleep(0.3)  # several failed reconnects
    lost = [r for r in caplog.records if "Lost connection" in r.message]
    assert len(lost) == 1

    agent.sessions[ROOT_ID]["state"] = "working"
    await agent.start()
    await wait_for(hass, lambda: hass.states.get(state).state == "working")
    assert hass.states.get(connected).state == STATE_ON
    assert init_integration.state is ConfigEntryState.LOADED
    assert len(agent.commands("subscribe")) == 2
    restored = [r for r in caplog.records if "restored" in r.message]
    assert len(restored) == 1
    assert restored[0].levelno == logging.INFO


async def test_drop_resyncs_and_rewrites(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """After a dropped connection the snapshot is applied and states written."""
    state = entity_id(hass, "sensor", "state", ROOT_ID)
    before = hass.states.get(state).last_reported
    await agent.drop_clients(code=4003)
    await wait_for(hass, lambda: len(agent.commands("subscribe")) == 2)
    await wait_for(hass, lambda: hass.states.get(state).last_reported != before)
    assert hass.states.get(state).state == "idle"


async def test_session_unavailable(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """A session whose OpenCode is disconnected is unavailable; others are not."""
    await agent.update_session("ses_other", title="Other")
    other = "ses_other"
    await wait_for(hass, lambda: other in init_integration.runtime_data.sessions)
    state = entity_id(hass, "sensor", "state", ROOT_ID)
    await agent.update_session(available=False)
    await wait_for(hass, lambda: hass.states.get(state).state == STATE_UNAVAILABLE)
    assert hass.states.get(entity_id(hass, "sensor", "state", other)).state == "idle"
    assert (
        hass.states.get(entity_id(hass, "binary_sensor", "connected")).state == STATE_ON
    )
    await agent.update_session(available=True)
    await wait_for(hass, lambda: hass.states.get(state).state == "idle")


async def test_setup_cannot_connect(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """First connect failure: setup retry."""
    await agent.stop()
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_wrong_agent(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """Another agent answering at the address: setup retry."""
    agent.hello["server_id"] = "another"
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_auth_failed(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """Rejected token at setup: reauth flow."""
    agent.token = "rotated"
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


async def test_auth_failed_on_reconnect(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """A token rotated while connected starts reauth once when reconnecting."""
    agent.token = "rotated"
    await agent.drop_clients()
    await wait_for(
        hass, lambda: hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    )
    await wait_for(hass, lambda: agent.connections >= 4)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1


async def test_incompatible_schema_issue(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """Incompatible schema: repair issue, cleared once compatible again."""
    agent.hello.update(schema=SCHEMA + 3, min_schema=SCHEMA + 2)
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    issue_id = f"incompatible_schema_{config_entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders["schema"] == f"{SCHEMA + 2}..{SCHEMA + 3}"

    agent.hello.update(schema=SCHEMA, min_schema=SCHEMA)
    await hass.config_entries.async_reload(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.LOADED
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None

    # The agent is downgraded while HA runs: the issue comes back on reconnect.
    agent.hello.update(schema=SCHEMA + 3, min_schema=SCHEMA + 2)
    await agent.drop_clients()
    await wait_for(hass, lambda: ir.async_get(hass).async_get_issue(DOMAIN, issue_id))
    agent.hello.update(schema=SCHEMA, min_schema=SCHEMA)
    await wait_for(
        hass, lambda: not ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    )
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_new_session_in_snapshot_after_reconnect(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Sessions created and deleted while disconnected are added / removed."""
    await agent.stop()
    agent.sessions.pop(ROOT_ID)
    agent.sessions["ses_new"] = make_session("ses_new", title="New one")
    await agent.start()
    registry = er.async_get(hass)
    await wait_for(
        hass,
        lambda: registry.async_get_entity_id(
            "sensor", DOMAIN, f"{init_integration.unique_id}_ses_new_state"
        ),
    )
    assert (
        registry.async_get_entity_id(
            "sensor", DOMAIN, f"{init_integration.unique_id}_{ROOT_ID}_state"
        )
        is None
    )
