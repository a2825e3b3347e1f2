"""Config flow: manual, zeroconf, reauth, reconfigure and options, every path."""

from __future__ import annotations

from ipaddress import ip_address
from unittest.mock import patch

from fake_agent import SERVER_ID, TOKEN, FakeAgent
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.client import ClientError
from custom_components.opencode_lookout.const import CONF_STALE_DAYS, DOMAIN
from homeassistant.config_entries import SOURCE_USER, SOURCE_ZEROCONF
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo


@pytest.fixture(autouse=True)
async def unload_entries(hass: HomeAssistant):
    """Unload the entries the flows created, so no connection outlives a test."""
    yield
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state.recoverable:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


def _zeroconf(port: int, host: str = "127.0.0.1", **props: str) -> ZeroconfServiceInfo:
    """Return the announcement of the fake agent."""
    properties = {
        "server_id": SERVER_ID,
        "hostname": "devbox",
        "version": "0.1.0",
        "schema": "1",
        **props,
    }
    return ZeroconfServiceInfo(
        ip_address=ip_address(host),
        ip_addresses=[ip_address(host)],
        port=port,
        hostname="devbox.local.",
        type="_opencode-lookout._tcp.local.",
        name="devbox._opencode-lookout._tcp.local.",
        properties={k: v for k, v in properties.items() if v},
    )


async def test_user_success(hass: HomeAssistant, agent: FakeAgent) -> None:
    """A reachable agent with the right token creates an entry named by hostname."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: agent.port, CONF_TOKEN: TOKEN},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "devbox"
    assert result["data"] == {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: agent.port,
        CONF_TOKEN: TOKEN,
    }
    assert result["result"].unique_id == SERVER_ID
    await hass.async_block_till_done()


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"token": "wrong"}, "invalid_auth"),
        ({"schema": 3, "min_schema": 2}, "incompatible_schema"),
        ({"stopped": True}, "cannot_connect"),
    ],
)
async def test_user_errors(
    hass: HomeAssistant, agent: FakeAgent, change: dict, error: str
) -> None:
    """Each failure shows its own error, and the flow recovers afterwards."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    token = change.get("token", TOKEN)
    if change.get("stopped"):
        await agent.stop()
    if "schema" in change:
        agent.hello.update(schema=change["schema"], min_schema=change["min_schema"])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: agent.port, CONF_TOKEN: token},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    if change.get("stopped"):
        await agent.start()
    agent.hello.update(schema=1, min_schema=1)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: agent.port, CONF_TOKEN: TOKEN},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()


async def test_user_unknown_error(hass: HomeAssistant) -> None:
    """An unexpected client error maps to unknown."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    with patch(
        "custom_components.opencode_lookout.config_flow.async_validate",
        side_effect=ClientError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_HOST: "127.0.0.1", CONF_PORT: 1, CONF_TOKEN: TOKEN},
        )
    assert result["errors"] == {"base": "unknown"}


async def test_user_duplicate(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """A second entry for the same agent aborts."""
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_HOST: "127.0.0.1", CONF_PORT: agent.port, CONF_TOKEN: TOKEN},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_zeroconf_confirm(hass: HomeAssistant, agent: FakeAgent) -> None:
    """A discovered agent is offered by hostname; only the token is asked."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(agent.port)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zeroconf_confirm"
    assert result["description_placeholders"]["hostname"] == "devbox"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "devbox"
    assert result["data"][CONF_PORT] == agent.port
    assert result["result"].unique_id == SERVER_ID
    await hass.async_block_till_done()


async def test_zeroconf_without_server_id(hass: HomeAssistant) -> None:
    """An announcement without server_id is ignored."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(7420, server_id="")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "invalid_discovery_info"


async def test_zeroconf_updates_address(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> None:
    """A rediscovery with a new address updates host/port of the entry."""
    config_entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=_zeroconf(7421, "127.0.0.2")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert config_entry.data[CONF_HOST] == "127.0.0.2"
    assert config_entry.data[CONF_PORT] == 7421


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


async def test_reauth(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """Reauth asks for a token, validates it and stores it."""
    config_entry.add_to_hass(hass)
    agent.token = "new-token"
    result = await config_entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: "new-token"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert config_entry.data[CONF_TOKEN] == "new-token"
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_reauth_wrong_agent(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """Reauth refuses an address now answered by another agent."""
    config_entry.add_to_hass(hass)
    agent.hello["server_id"] = "another"
    result = await config_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_TOKEN: TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_agent"


async def test_reconfigure(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """Reconfigure changes host and port after a test connection."""
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, data={**config_entry.data, CONF_HOST: "127.0.0.2"}
    )
    result = await config_entry.start_reconfigure_flow(hass)
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
    assert config_entry.data[CONF_HOST] == "127.0.0.1"
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_options(hass: HomeAssistant, init_integration: MockConfigEntry) -> None:
    """The options flow stores the stale-days option."""
    result = await hass.config_entries.options.async_init(init_integration.entry_id)
    assert result["step_id"] == "init"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_STALE_DAYS: 3.0}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert init_integration.options == {CONF_STALE_DAYS: 3}
    await hass.async_block_till_done()
