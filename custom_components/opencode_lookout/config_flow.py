"""Config flow: pair by pasting one string; discovery, re-pairing, reconfiguration.

Trust comes only from the pairing string (`opencode-lookout pair`): it names the agent's
certificate and carries the token. An mDNS announcement is a hint, never trusted: an entry
moves to an announced address only after that endpoint presented the paired certificate.
"""

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
    FingerprintMismatch,
    IncompatibleSchema,
    InvalidAuth,
    InvalidPairing,
    LookoutClient,
    Pairing,
    RateLimited,
    ServerInfo,
    async_fetch_server_info,
)
from .const import CONF_FINGERPRINT, DOMAIN
from .models import OpenCodeLookoutConfigEntry
from .options_flow import OpenCodeLookoutOptionsFlow

_LOGGER = logging.getLogger(__name__)

# The form field holding the pasted pairing string (never stored as such).
CONF_PAIRING = "pairing"

PORT_SELECTOR = selector.NumberSelector(
    selector.NumberSelectorConfig(
        min=1, max=65535, mode=selector.NumberSelectorMode.BOX
    )
)
PAIRING_SELECTOR = selector.TextSelector(
    selector.TextSelectorConfig(type=selector.TextSelectorType.PASSWORD)
)
PAIRING_SCHEMA = probatio.Schema({probatio.Required(CONF_PAIRING): PAIRING_SELECTOR})
USER_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_HOST): str,
        probatio.Required(CONF_PAIRING): PAIRING_SELECTOR,
    }
)
RECONFIGURE_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_HOST): str,
        probatio.Required(CONF_PORT, default=DEFAULT_PORT): PORT_SELECTOR,
    }
)


def entry_data(host: str, port: int, pairing: Pairing) -> dict[str, Any]:
    """Return the data of an entry paired with this pairing string."""
    return {
        CONF_HOST: host,
        CONF_PORT: port,
        CONF_TOKEN: pairing.token,
        CONF_FINGERPRINT: pairing.fingerprint,
    }


async def async_validate(
    hass: HomeAssistant, host: str, port: int, pairing: Pairing
) -> ServerInfo:
    """Connect over the pinned channel and authenticate once; raise the client's errors."""
    client = LookoutClient(
        async_get_clientsession(hass), host, port, pairing.token, pairing.fingerprint
    )
    info, _ = await client.connect(subscribe=False)
    await client.disconnect()
    return info


class _Attempt:
    """One validation of user input: the errors and placeholders for the form."""

    def __init__(self) -> None:
        """Start without errors."""
        self.errors: dict[str, str] = {}
        self.placeholders: dict[str, str] = {}

    def pairing(self, text: str) -> Pairing | None:
        """Parse the pasted pairing string, or flag the field."""
        try:
            return Pairing.parse(text)
        except InvalidPairing:
            self.errors[CONF_PAIRING] = "invalid_pairing"
            return None

    async def validate(
        self, hass: HomeAssistant, host: str, port: int, pairing: Pairing
    ) -> ServerInfo | None:
        """Validate and map each client error to its form error."""
        try:
            return await async_validate(hass, host, port, pairing)
        except FingerprintMismatch:
            self.errors["base"] = "fingerprint_mismatch"
        except RateLimited as err:
            # Wait, never re-pair: the token may well be right.
            self.errors["base"] = "rate_limited"
            self.placeholders["retry_after"] = str(err.retry_after)
        except InvalidAuth:
            self.errors["base"] = "invalid_auth"
        except IncompatibleSchema:
            self.errors["base"] = "incompatible_schema"
        except CannotConnect:
            self.errors["base"] = "cannot_connect"
        except ClientError:
            _LOGGER.exception("Unexpected error talking to %s:%s", host, port)
            self.errors["base"] = "unknown"
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
        """Pair with an agent by its address and pairing string."""
        attempt = _Attempt()
        if user_input is not None:
            host = user_input[CONF_HOST].strip()
            pairing = attempt.pairing(user_input[CONF_PAIRING])
            if pairing is not None and (
                info := await attempt.validate(self.hass, host, pairing.port, pairing)
            ):
                await self.async_set_unique_id(info.server_id, raise_on_progress=False)
                # Proven by the pinned handshake and the token: safe to re-pair.
                data = entry_data(host, pairing.port, pairing)
                self._abort_if_unique_id_configured(updates=data)
                return self.async_create_entry(title=info.hostname, data=data)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                USER_SCHEMA, {CONF_HOST: (user_input or {}).get(CONF_HOST)}
            ),
            errors=attempt.errors,
            description_placeholders=attempt.placeholders,
        )

    @override
    async def async_step_zeroconf(
        self, discovery_info: ZeroconfServiceInfo
    ) -> ConfigFlowResult:
        """Handle an agent announcing itself on the network (an unverified hint)."""
        server_id = discovery_info.properties.get("server_id")
        if not server_id:
            return self.async_abort(reason="invalid_discovery_info")
        self._host = discovery_info.host
        self._port = discovery_info.port or DEFAULT_PORT
        self._hostname = discovery_info.properties.get("hostname") or self._host
        entry = await self.async_set_unique_id(server_id)
        if entry is not None and await self._async_moved(entry, server_id):
            self._abort_if_unique_id_configured(
                updates={CONF_HOST: self._host, CONF_PORT: self._port}
            )
        self._abort_if_unique_id_configured()
        self.context["title_placeholders"] = {"name": self._hostname}
        return await self.async_step_zeroconf_confirm()

    async def _async_moved(
        self, entry: OpenCodeLookoutConfigEntry, server_id: str
    ) -> bool:
        """Return True if the paired agent now answers at the announced address.

        The endpoint must present the entry's pinned certificate and name the same
        server_id; no token is sent. Anything else is a stale or spoofed announcement.
        """
        address = (entry.data.get(CONF_HOST), entry.data.get(CONF_PORT))
        if address == (self._host, self._port):
            if entry.state is ConfigEntryState.LOADED:
                # The agent is back (e.g. a laptop woke up): skip the backoff wait.
                entry.runtime_data.manager.async_reconnect_now()
            return False
        if (fingerprint := entry.data.get(CONF_FINGERPRINT)) is None:
            return False  # ignored, or a legacy entry that re-pairs through its repair
        try:
            info = await async_fetch_server_info(
                async_get_clientsession(self.hass), self._host, self._port, fingerprint
            )
        except ClientError as err:
            reason = type(err).__name__
        else:
            if info.server_id == server_id:
                return True
            reason = "another server_id"
        _LOGGER.warning(
            "Ignoring an announcement of OpenCode Lookout agent %s at %s:%s: "
            "the endpoint is not the paired agent (%s)",
            entry.title,
            self._host,
            self._port,
            reason,
        )
        return False

    async def async_step_zeroconf_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the pairing string of a discovered agent."""
        attempt = _Attempt()
        if user_input is not None:
            pairing = attempt.pairing(user_input[CONF_PAIRING])
            if pairing is not None and (
                info := await attempt.validate(
                    self.hass, self._host, self._port, pairing
                )
            ):
                # The paired certificate answered: its hello names the agent.
                await self.async_set_unique_id(info.server_id, raise_on_progress=False)
                self._abort_if_unique_id_configured()
                return self.async_create_entry(
                    title=info.hostname,
                    data=entry_data(self._host, self._port, pairing),
                )
        return self.async_show_form(
            step_id="zeroconf_confirm",
            data_schema=PAIRING_SCHEMA,
            errors=attempt.errors,
            description_placeholders={
                "hostname": self._hostname,
                "host": f"{self._host}:{self._port}",
                **attempt.placeholders,
            },
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Re-pair when the token or the certificate changed (or a legacy entry)."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for a new pairing string."""
        entry = self._get_reauth_entry()
        attempt = _Attempt()
        if user_input is not None:
            host = entry.data[CONF_HOST]
            pairing = attempt.pairing(user_input[CONF_PAIRING])
            if pairing is not None and (
                info := await attempt.validate(self.hass, host, pairing.port, pairing)
            ):
                await self.async_set_unique_id(info.server_id)
                self._abort_if_unique_id_mismatch(reason="wrong_agent")
                return self.async_update_reload_and_abort(
                    entry, data=entry_data(host, pairing.port, pairing)
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=PAIRING_SCHEMA,
            errors=attempt.errors,
            description_placeholders={"name": entry.title, **attempt.placeholders},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the address of the agent (same pairing)."""
        entry = self._get_reconfigure_entry()
        if CONF_FINGERPRINT not in entry.data:
            return self.async_abort(reason="not_paired")
        attempt = _Attempt()
        if user_input is not None:
            host, port = user_input[CONF_HOST].strip(), int(user_input[CONF_PORT])
            pairing = Pairing(
                port=port,
                fingerprint=entry.data[CONF_FINGERPRINT],
                token=entry.data[CONF_TOKEN],
            )
            if info := await attempt.validate(self.hass, host, port, pairing):
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
            errors=attempt.errors,
            description_placeholders=attempt.placeholders,
        )
