"""Repair issues and setup refusals: legacy plaintext pairing, another certificate."""

from common import wait_for
from fake_agent import FINGERPRINT, SERVER_ID, TOKEN, FakeAgent, make_identity
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.const import CONF_FINGERPRINT, DOMAIN
from custom_components.opencode_lookout.repairs import async_create_fix_flow
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir


def _entry(port: int, **extra: str) -> MockConfigEntry:
    """Return an entry for the agent on port (extra: more entry data)."""
    return MockConfigEntry(
        domain=DOMAIN,
        unique_id=SERVER_ID,
        title="devbox",
        data={CONF_HOST: "127.0.0.1", CONF_PORT: port, CONF_TOKEN: TOKEN, **extra},
    )


def _reauth_flows(hass: HomeAssistant) -> list:
    """Return the reauth flows in progress."""
    return [
        f
        for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if f["context"]["source"] == SOURCE_REAUTH
    ]


async def test_legacy_plaintext_entry(hass: HomeAssistant, agent: FakeAgent) -> None:
    """An entry paired before TLS never connects: a repair issue leads to re-pairing."""
    entry = _entry(agent.port)
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert agent.connections == 0
    assert agent.auths == []
    issue_id = f"legacy_plaintext_{entry.entry_id}"
    issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.is_fixable
    assert issue.translation_placeholders == {"title": "devbox"}

    # The fix flow: confirm, then the reauth (re-pairing) flow opens.
    for flow in _reauth_flows(hass):
        hass.config_entries.flow.async_abort(flow["flow_id"])
    fix = await async_create_fix_flow(hass, issue_id, issue.data)
    fix.hass, fix.handler, fix.issue_id, fix.flow_id = hass, DOMAIN, issue_id, "fix"
    result = await fix.async_step_init()
    assert result["type"] is FlowResultType.FORM
    assert result["description_placeholders"] == {"title": "devbox"}
    result = await fix.async_step_confirm({})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert len(_reauth_flows(hass)) == 1

    # Paired again (the reauth flow writes the fingerprint): the issue goes.
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_FINGERPRINT: FINGERPRINT}
    )
    await hass.config_entries.async_reload(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    await hass.config_entries.async_unload(entry.entry_id)


async def test_another_certificate(hass: HomeAssistant, socket_enabled: None) -> None:
    """Attack: an endpoint with another certificate gets no token; HA asks to re-pair."""
    impostor = FakeAgent(make_identity())
    await impostor.start()
    try:
        entry = _entry(impostor.port, **{CONF_FINGERPRINT: FINGERPRINT})
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.SETUP_ERROR
        assert impostor.auths == []
        assert len(_reauth_flows(hass)) == 1
    finally:
        await impostor.stop()


async def test_rate_limited_is_no_reauth(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """rate_limited at setup: retry later, never a re-pairing."""
    agent.rate_limited = 30
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert _reauth_flows(hass) == []
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_rotated_certificate_while_running(
    hass: HomeAssistant, agent: FakeAgent, init_integration: MockConfigEntry
) -> None:
    """After `opencode-lookout rotate` the reconnect finds another certificate: re-pair."""
    await agent.stop()
    agent.identity = make_identity()
    auths = len(agent.auths)
    await agent.start()
    await wait_for(hass, lambda: _reauth_flows(hass))
    assert len(agent.auths) == auths
    assert not init_integration.runtime_data.manager.connected
