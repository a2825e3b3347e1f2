"""Config flow: manual setup, zeroconf discovery, reauth, reconfigure, options."""

from __future__ import annotations

from collections.abc import Mapping
import logging
from typing import Any, override

import probatio

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo

from .client import (
    DEFAULT_PORT,
    CannotConnect,
    ClientError,
    IncompatibleSchema,
    InvalidAuth,
    LookoutClient,
    ServerInfo,
)
from .const import DOMAIN
from .options_flow import OpenCodeLookoutOptionsFlow

_LOGGER = logging.getLogger(__name__)

PORT_SELECTOR = selector.NumberSelector(
    selector.NumberSelectorConfig(
        min=1, max=65535, mode=selector.NumberSelectorMode.BOX
    )
)
TOKEN_SELECTOR = selector.TextSelector(
    selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
)
ADDRESS_SCHEMA = {
    probatio.Required(CONF_HOST): str,
    probatio.Required(CONF_PORT, default=DEFAULT_PORT): PORT_SELECTOR,
}
TOKEN_SCHEMA = probatio.Schema({probatio.Required(CONF_TOKEN): TOKEN_SELECTOR})
USER_SCHEMA = probatio.Schema(
    {**ADDRESS_SCHEMA, probatio.Required(CONF_TOKEN): TOKEN_SELECTOR}
)
RECONFIGURE_SCHEMA = probatio.Schema(ADDRESS_SCHEMA)


async def async_validate(
    hass: HomeAssistant, host: str, port: int, token: str
) -> ServerInfo:
    """Connect and authenticate once; raise the client's errors."""
    client = LookoutClient(async_get_clientsession(hass), host, port, token)
    info, _ = await client.connect(subscribe=False)
    await client.disconnect()
    return info


async def _async_try(
    hass: HomeAssistant, host: str, port: int, token: str, errors: dict[str, str]
) -> ServerInfo | None:
    """Validate and fill errors["base"] with the precise error key."""
    try:
        return await async_validate(hass, host, port, token)
    except InvalidAuth:
        errors["base"] = "invalid_auth"
    except IncompatibleSchema:
        errors["base"] = "incompatible_schema"
    except CannotConnect:
        errors["base"] = "cannot_connect"
    except ClientError:
        _LOGGER.exception("Unexpected error talking to %s:%s", host, port)
        errors["base"] = "unknown"
    return None


class OpenCodeLookoutConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add one OpenCode Lookout agent (one dev machine) per entry."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with no discovered agent."""
        self._host = ""
        self._port = DEFAULT_PORT
        self._hostname = ""

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> OpenCodeLookoutOptionsFlow:
        """Return the options flow."""
        return OpenCodeLookoutOptionsFlow()

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Set up an agent by address and token."""
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST].strip(), int(user_input[CONF_PORT])
            info = await _async_try(
                self.hass, host, port, user_input[CONF_TOKEN], errors
            )
            if info is not None:
                await self.async_set_unique_id(info.server_id, raise_on_progress=False)
                self._abort_if_unique_id_configured(
                    updates={CONF_HOST: host, CONF_PORT: port}
                )
                return self.async_create_entry(
                    title=info.hostname,
                    data={
                        CONF_HOST: host,
                        CONF_PORT: port,
                        CONF_TOKEN: user_input[CONF_TOKEN],
                    },
                )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(USER_SCHEMA, user_input),
            errors=errors,
        )

    @override
    async def async_step_zeroconf(
        self, discovery_info: ZeroconfServiceInfo
    ) -> ConfigFlowResult:
        """Handle an agent announcing itself on the network."""
        server_id = discovery_info.properties.get("server_id")
        if not server_id:
            return self.async_abort(reason="invalid_discovery_info")
        self._host = discovery_info.host
        self._port = discovery_info.port or DEFAULT_PORT
        self._hostname = discovery_info.properties.get("hostname") or self._host
        entry = await self.async_set_unique_id(server_id)
        if (
            entry is not None
            and entry.state is ConfigEntryState.LOADED
            and (entry.data[CONF_HOST], entry.data[CONF_PORT])
            == (self._host, self._port)
        ):
            # The agent is back (e.g. a laptop woke up): skip the backoff wait.
            entry.runtime_data.manager.async_reconnect_now()
        self._abort_if_unique_id_configured(
            updates={CONF_HOST: self._host, CONF_PORT: self._port}
        )
        self.context["title_placeholders"] = {"name": self._hostname}
        return await self.async_step_zeroconf_confirm()

    async def async_step_zeroconf_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask only for the token of a discovered agent."""
        errors: dict[str, str] = {}
        if user_input is not None:
            token = user_input[CONF_TOKEN]
            info = await _async_try(self.hass, self._host, self._port, token, errors)
            if info is not None:
                return self.async_create_entry(
                    title=info.hostname,
                    data={
                        CONF_HOST: self._host,
                        CONF_PORT: self._port,
                        CONF_TOKEN: token,
                    },
                )
        return self.async_show_form(
            step_id="zeroconf_confirm",
            data_schema=TOKEN_SCHEMA,
            errors=errors,
            description_placeholders={
                "hostname": self._hostname,
                "host": f"{self._host}:{self._port}",
            },
        )

    @override
    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start reauthentication when the agent rejects the token."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new token."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = entry.data[CONF_HOST], entry.data[CONF_PORT]
            token = user_input[CONF_TOKEN]
            info = await _async_try(self.hass, host, port, token, errors)
            if info is not None:
                await self.async_set_unique_id(info.server_id)
                self._abort_if_unique_id_mismatch(reason="wrong_agent")
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_TOKEN: token}
                )
        return self.async_show_form(
            step_id="reauth_confirm", data_schema=TOKEN_SCHEMA, errors=errors
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address of the agent."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            host, port = user_input[CONF_HOST].strip(), int(user_input[CONF_PORT])
            info = await _async_try(
                self.hass, host, port, entry.data[CONF_TOKEN], errors
            )
            if info is not None:
                await self.async_set_unique_id(info.server_id)
                self._abort_if_unique_id_mismatch(reason="wrong_agent")
                return self.async_update_reload_and_abort(
                    entry, data_updates={CONF_HOST: host, CONF_PORT: port}
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                RECONFIGURE_SCHEMA, user_input or entry.data
            ),
            errors=errors,
        )
