"""Config flow: pairing string, zeroconf (verified rediscovery), re-pairing, reconfigure."""

from collections.abc import AsyncGenerator
from ipaddress import ip_address
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import patch

from fake_agent import (
    FINGERPRINT,
    SERVER_ID,
    TOKEN,
    FakeAgent,
    make_identity,
    pairing_string,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.client import (
    MDNS_SERVICE_TYPE,
    SCHEMA,
    ClientError,
)
from custom_components.opencode_lookout.config_flow import CONF_PAIRING
from custom_components.opencode_lookout.const import (
    CONF_FINGERPRINT,
    CONF_MAX_SESSION_DEVICES,
    CONF_SESSION_MAX_AGE_HOURS,
    CONF_STALE_DAYS,
    CONF_STEER_USERS,
    DOMAIN,
)
from homeassistant.auth.models import User
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_USER,
    SOURCE_ZEROCONF,
    ConfigEntryState,
)
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

COMPONENT = Path(__file__).parents[2] / "custom_components" / DOMAIN
OTHER_TOKEN = "Zq8vN2kL5pR9tW3xY7bC1dF4gH6jM0nQ2sU5vX8zA1c"


@pytest.fixture(autouse=True)
async def unload_entries(hass: HomeAssistant) -> AsyncGenerator[None]:
    """Unload the entries the flows created, so no connection outlives a test."""
    yield
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state.recoverable:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


def _entry(hass: HomeAssistant, port: int, **data: Any) -> MockConfigEntry:
    """Add an entry paired with the fake agent (data overrides; None removes a key)."""
    values = {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: port,
        CONF_TOKEN: TOKEN,
        CONF_FINGERPRINT: FINGERPRINT,
        **data,
    }
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=SERVER_ID,
        title="devbox",
        data={k: v for k, v in values.items() if v is not None},
    )
    entry.add_to_hass(hass)
    return entry


def _zeroconf(port: int, host: str = "127.0.0.1", **props: str) -> ZeroconfServiceInfo:
    """Return an announcement of the fake agent's server_id."""
    properties = {
        "server_id": SERVER_ID,
        "hostname": "devbox",
        "version": "0.1.0",
        "schema": "2",
        **props,
    }
    return ZeroconfServiceInfo(
        ip_address=ip_address(host),
        ip_addresses=[ip_address(host)],
        port=port,
        hostname="devbox.local.",
        type=MDNS_SERVICE_TYPE,
        name=f"devbox.{MDNS_SERVICE_TYPE}",
        properties={k: v for k, v in properties.items() if v},
    )


async def _user_form(hass: HomeAssistant) -> str:
    """Start a manual flow; return its id."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {}
    return str(result["flow_id"])


async def test_user_pairs(hass: HomeAssistant, agent: FakeAgent) -> None:
    """Host plus a pasted pairing string creates a pinned entry named by hostname."""
    flow_id = await _user_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: " 127.0.0.1 ", CONF_PAIRING: f"  {agent.pairing}\n"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "devbox"
    assert result["data"] == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: agent.port,
        CONF_TOKEN: TOKEN,
        CONF_FINGERPRINT: FINGERPRINT,
    }
    assert result["result"].unique_id == SERVER_ID
    assert set(agent.auths) == {TOKEN}
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"pairing": "lookout1:nope"}, {CONF_PAIRING: "invalid_pairing"}),
        ({"token": OTHER_TOKEN}, {"base": "invalid_auth"}),
        (
            {"schema": SCHEMA + 1, "min_schema": SCHEMA + 1},
            {"base": "incompatible_schema"},
        ),
        ({"stopped": True}, {"base": "cannot_connect"}),
        ({"fingerprint": "0" * 64}, {"base": "fingerprint_mismatch"}),
        ({"rate_limited": 30}, {"base": "rate_limited"}),
    ],
)
async def test_user_errors(
    hass: HomeAssistant,
    agent: FakeAgent,
    change: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Each failure shows its own error (no token to a wrong certificate); then it works."""
    flow_id = await _user_form(hass)
    if change.get("stopped"):
        await agent.stop()
    if "schema" in change:
        agent.hello.update(schema=change["schema"], min_schema=change["min_schema"])
    agent.rate_limited = change.get("rate_limited")
    pairing = change.get("pairing") or pairing_string(
        agent.port,
        change.get("fingerprint", FINGERPRINT),
        change.get("token", TOKEN),
    )
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: "127.0.0.1", CONF_PAIRING: pairing}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    if "rate_limited" in change:
        assert result["description_placeholders"] == {"retry_after": "30"}
    if "fingerprint" in change:
        assert agent.auths == []
        assert agent.connections == 0
    if change.get("stopped"):
        await agent.start()
    agent.hello.update(schema=SCHEMA, min_schema=SCHEMA)
    agent.rate_limited = None
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: "127.0.0.1", CONF_PAIRING: agent.pairing}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_user_unknown_error(hass: HomeAssistant) -> None:
    """An unexpected client error maps to unknown."""
    flow_id = await _user_form(hass)
    with patch(
        "custom_components.opencode_lookout.config_flow.async_validate",
        side_effect=ClientError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOST: "127.0.0.1", CONF_PAIRING: pairing_string(1)}
        )
    assert result["errors"] == {"base": "unknown"}


async def test_user_repairs_known_agent(hass: HomeAssistant, agent: FakeAgent) -> None:
    """Pairing a known agent again (proven by TLS and token) updates its entry."""
    entry = _entry(hass, 1, **{CONF_TOKEN: OTHER_TOKEN, CONF_FINGERPRINT: "0" * 64})
    flow_id = await _user_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOST: "127.0.0.1", CONF_PAIRING: agent.pairing}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == agent.port
    assert entry.data[CONF_TOKEN] == TOKEN
    assert entry.data[CONF_FINGERPRINT] == FINGERPRINT


async def test_zeroconf_confirm(hass: HomeAssistant, agent: FakeAgent) -> None:
    """A discovered agent is offered by hostname; only the pairing string is asked."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(agent.port)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zeroconf_confirm"
    assert result["description_placeholders"]["hostname"] == "devbox"
    assert agent.connections == 0  # an announcement alone opens nothing
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PAIRING: pairing_string(agent.port, token=OTHER_TOKEN)}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PAIRING: "garbage"}
    )
    assert result["errors"] == {CONF_PAIRING: "invalid_pairing"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PAIRING: agent.pairing}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "devbox"
    assert result["data"][CONF_PORT] == agent.port
    assert result["data"][CONF_FINGERPRINT] == FINGERPRINT
    assert result["result"].unique_id == SERVER_ID
    await hass.async_block_till_done()


async def test_zeroconf_without_server_id(hass: HomeAssistant) -> None:
    """An announcement without server_id is ignored."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(7420, server_id="")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "invalid_discovery_info"


async def test_zeroconf_moves_entry_after_verification(
    hass: HomeAssistant, agent: FakeAgent
) -> None:
    """The paired agent announced at a new address: verified without token, then moved."""
    entry = _entry(hass, 1)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(agent.port)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == agent.port
    assert agent.connections == 1
    assert agent.auths == []


@pytest.mark.parametrize("plaintext", [False, True], ids=["other-cert", "plaintext"])
async def test_spoofed_announcement_changes_nothing(
    hass: HomeAssistant,
    agent: FakeAgent,
    caplog: pytest.LogCaptureFixture,
    plaintext: bool,
) -> None:
    """Attack: another host announces our server_id; the entry stays, no token leaves."""
    spoof = FakeAgent(identity=None if plaintext else make_identity())
    await spoof.start()
    entry = _entry(hass, agent.port)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    try:
        with caplog.at_level(logging.WARNING):
            result = await hass.config_entries.flow.async_init(
                DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(spoof.port)
            )
            await hass.async_block_till_done()
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"
        assert entry.data[CONF_PORT] == agent.port
        assert spoof.auths == []
        assert spoof.received == []
        assert "Ignoring an announcement" in caplog.text
        assert TOKEN not in caplog.text
    finally:
        await spoof.stop()


async def test_announcement_of_another_server_id(
    hass: HomeAssistant, agent: FakeAgent
) -> None:
    """A real agent of ours answering under another server_id does not take the entry."""
    entry = _entry(hass, 1)
    agent.hello["server_id"] = "another"
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(agent.port)
    )
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == 1
    assert agent.auths == []


async def test_zeroconf_legacy_entry_not_moved(
    hass: HomeAssistant, agent: FakeAgent
) -> None:
    """An entry without a pinned certificate is never moved by an announcement."""
    entry = _entry(hass, 1, **{CONF_FINGERPRINT: None})
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(agent.port)
    )
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_PORT] == 1
    assert agent.connections == 0


async def test_zeroconf_reannounce_reconnects(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """A re-announcement of a known, loaded agent triggers an immediate retry."""
    manager = init_integration.runtime_data.manager
    with patch.object(manager, "async_reconnect_now") as reconnect:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(agent.port)
        )
    assert result["reason"] == "already_configured"
    reconnect.assert_called_once()


async def test_rate_limited_setup_never_reauths(
    hass: HomeAssistant, agent: FakeAgent
) -> None:
    """rate_limited at setup retries later; it never asks the user to re-pair."""
    agent.rate_limited = 30
    entry = _entry(hass, agent.port)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert agent.auths == [TOKEN]
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f for f in flows if f["context"]["source"] == SOURCE_REAUTH] == []
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_reauth_repairs_after_rotation(
    hass: HomeAssistant, agent: FakeAgent
) -> None:
    """After `rotate` (new certificate and token) re-pairing stores both."""
    entry = _entry(hass, agent.port)
    await agent.stop()
    rotated = make_identity()
    agent.identity, agent.token = rotated, OTHER_TOKEN
    await agent.start()
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PAIRING: pairing_string(agent.port)}
    )
    assert result["errors"] == {"base": "fingerprint_mismatch"}
    assert TOKEN not in agent.auths
    agent.rate_limited = 9
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PAIRING: agent.pairing}
    )
    assert result["errors"] == {"base": "rate_limited"}
    assert result["description_placeholders"]["retry_after"] == "9"
    agent.rate_limited = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PAIRING: agent.pairing}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_TOKEN] == OTHER_TOKEN
    assert entry.data[CONF_FINGERPRINT] == rotated.fingerprint
    await hass.async_block_till_done()


async def test_reauth_pairs_legacy_entry(hass: HomeAssistant, agent: FakeAgent) -> None:
    """A legacy plaintext entry gains its fingerprint by re-pairing."""
    entry = _entry(hass, 1, **{CONF_FINGERPRINT: None})
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PAIRING: agent.pairing}
    )
    assert result["reason"] == "reauth_successful"
    assert entry.data == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: agent.port,
        CONF_TOKEN: TOKEN,
        CONF_FINGERPRINT: FINGERPRINT,
    }
    await hass.async_block_till_done()


async def test_reauth_wrong_agent(hass: HomeAssistant, agent: FakeAgent) -> None:
    """Re-pairing refuses an agent with another server_id."""
    entry = _entry(hass, agent.port)
    agent.hello["server_id"] = "another"
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PAIRING: agent.pairing}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_agent"


async def test_reconfigure(hass: HomeAssistant, agent: FakeAgent) -> None:
    """Reconfigure changes host and port after a pinned test connection."""
    entry = _entry(hass, agent.port, **{CONF_HOST: "127.0.0.2"})
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    await agent.stop()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: agent.port}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    await agent.start()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOST: "127.0.0.1", CONF_PORT: agent.port}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_HOST] == "127.0.0.1"
    await hass.async_block_till_done()


async def test_reconfigure_legacy_entry(hass: HomeAssistant) -> None:
    """A legacy entry must re-pair before its address can change."""
    entry = _entry(hass, 1, **{CONF_FINGERPRINT: None})
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_paired"


async def test_options(hass: HomeAssistant, agent: FakeAgent) -> None:
    """The options flow stores the device options as numbers; stale_days goes."""
    entry = _entry(hass, agent.port)
    hass.config_entries.async_update_entry(entry, options={CONF_STALE_DAYS: 7})
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "init"
    defaults = {
        str(k): k.default()
        for k in result["data_schema"].schema
        if str(k) in (CONF_SESSION_MAX_AGE_HOURS, CONF_MAX_SESSION_DEVICES)
    }
    assert defaults == {CONF_SESSION_MAX_AGE_HOURS: 24, CONF_MAX_SESSION_DEVICES: 20}
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_SESSION_MAX_AGE_HOURS: 48.0, CONF_MAX_SESSION_DEVICES: 5.0},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {
        CONF_SESSION_MAX_AGE_HOURS: 48,
        CONF_MAX_SESSION_DEVICES: 5,
        CONF_STEER_USERS: [],
    }
    await hass.async_block_till_done()


async def test_options_steer_users(
    hass: HomeAssistant,
    agent: FakeAgent,
    hass_admin_user: User,
    hass_read_only_user: User,
) -> None:
    """The allow-list offers active people (no system users) and stores their ids."""
    gone = await hass.auth.async_create_user("Gone")
    await hass.auth.async_deactivate_user(gone)
    await hass.auth.async_create_system_user("Bot")
    entry = _entry(hass, agent.port)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    offered = _steer_field(result).config["options"]
    people = {o["value"]: o["label"] for o in offered}
    assert people[hass_read_only_user.id] == hass_read_only_user.name
    assert hass_admin_user.id in people
    assert gone.id not in people
    assert not any(
        u.system_generated for u in await hass.auth.async_get_users() if u.id in people
    )
    result = await hass.config_entries.options.async_configure(
        result["flow_id"],
        {CONF_STEER_USERS: [hass_read_only_user.id]},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options[CONF_STEER_USERS] == [hass_read_only_user.id]
    # A user removed since stays listed (to be unselected) and pre-selected.
    await hass.auth.async_remove_user(hass_read_only_user)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    field = _steer_field(result)
    assert {
        "value": hass_read_only_user.id,
        "label": hass_read_only_user.id,
    } in field.config["options"]
    key = next(k for k in result["data_schema"].schema if str(k) == CONF_STEER_USERS)
    assert key.description == {"suggested_value": [hass_read_only_user.id]}
    # Only offered people can be chosen.
    with pytest.raises(InvalidData):
        await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_STEER_USERS: ["nobody"]}
        )
    assert entry.options[CONF_STEER_USERS] == [hass_read_only_user.id]


def _steer_field(result: Any) -> Any:
    """Return the selector of the steering allow-list in an options form."""
    schema = result["data_schema"].schema
    return next(v for k, v in schema.items() if str(k) == CONF_STEER_USERS)


def _strings(name: str) -> dict[str, Any]:
    """Return strings.json or translations/en.json of the component."""
    data: dict[str, Any] = json.loads((COMPONENT / name).read_text())
    return data


@pytest.mark.parametrize("file", ["strings.json", "translations/en.json"])
def test_flow_translations(file: str) -> None:
    """Every error, abort and field the flows can show has its text."""
    config = _strings(file)["config"]
    assert {
        "invalid_pairing",
        "invalid_auth",
        "fingerprint_mismatch",
        "rate_limited",
        "incompatible_schema",
        "cannot_connect",
        "unknown",
    } <= set(config["error"])
    assert "{retry_after}" in config["error"]["rate_limited"]
    assert {"not_paired", "wrong_agent", "already_configured"} <= set(config["abort"])
    for step in ("user", "zeroconf_confirm", "reauth_confirm"):
        assert CONF_PAIRING in config["step"][step]["data"]
        assert CONF_TOKEN not in config["step"][step]["data"]
    assert CONF_STEER_USERS in _strings(file)["options"]["step"]["init"]["data"]
