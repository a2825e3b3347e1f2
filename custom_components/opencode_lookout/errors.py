"""Client errors to translated Home Assistant errors, for setup and for commands.

Setup (setup_errors, which also retries a rate-limited setup when the agent allows)
and commands (catch_client_error). Client errors are mapped in two more places: the
config flow turns them into its form's error keys (config_flow.py), and the
manager's reconnect policy starts a re-pairing or a repair issue (manager.py).
"""

from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import wraps
import random
from typing import Any, Concatenate, Protocol

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers.event import async_call_later
from homeassistant.util.hass_dict import HassKey

from .client import (
    ClientError,
    CommandError,
    FingerprintMismatch,
    IncompatibleSchema,
    InvalidAuth,
    NotBusy,
    NotPending,
    RateLimited,
    Unavailable,
)
from .const import DOMAIN
from .repairs import async_create_schema_issue

# After rate_limited the entry is set up again as soon as the agent accepts attempts;
# Home Assistant's own retry (5 s, doubling) would come up to half its step late. The
# jitter spreads the entries of one Home Assistant, all refused at the same moment.
RATE_LIMIT_JITTER = 2.0  # seconds, at most
_RATE_LIMIT_RETRIES: HassKey[dict[str, CALLBACK_TYPE]] = HassKey(
    f"{DOMAIN}_rate_limit_retries"
)


class RequestNotPending(ServiceValidationError):
    """The permission or question was answered, expired or is unknown.

    A validation error: the caller named something that is not (or no longer) there,
    Home Assistant and the agent are fine.
    """


class AgentConnection(Protocol):
    """What the decorator needs to know about the agent a command goes to."""

    @property
    def connected(self) -> bool:
        """Return True while the agent is connected."""

    @property
    def agent_name(self) -> str:
        """Return the name of the agent's machine (for messages)."""


def catch_client_error[S: AgentConnection, **P, T](
    func: Callable[Concatenate[S, P], Awaitable[T]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """Refuse commands while offline; raise client errors as translated HA errors."""

    @wraps(func)
    async def wrapper(agent: S, /, *args: P.args, **kwargs: P.kwargs) -> T:
        offline = HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="agent_offline",
            translation_placeholders={"host": agent.agent_name},
        )
        if not agent.connected:
            raise offline
        try:
            return await func(agent, *args, **kwargs)
        except NotPending as err:
            raise RequestNotPending(
                translation_domain=DOMAIN,
                translation_key="not_found",
                translation_placeholders={"message": err.message},
            ) from err
        except NotBusy as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="not_busy",
                translation_placeholders={"message": err.message},
            ) from err
        except Unavailable as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="session_unavailable",
                translation_placeholders={"message": err.message},
            ) from err
        except CommandError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="command_failed",
                translation_placeholders={
                    "code": str(err.code),
                    "message": err.message,
                },
            ) from err
        except ClientError as err:
            raise offline from err

    return wrapper


@contextmanager
def setup_errors(hass: HomeAssistant, entry: ConfigEntry, host: str) -> Iterator[None]:
    """Raise the first connect's client errors as translated setup errors."""
    placeholders = {"host": host}
    try:
        yield
    except InvalidAuth as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="invalid_auth",
            translation_placeholders=placeholders,
        ) from err
    except FingerprintMismatch as err:
        # Rotated, or another host on that address: re-pair (the token was not sent).
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="fingerprint_mismatch",
            translation_placeholders=placeholders,
        ) from err
    except RateLimited as err:
        # Wait and retry; never a re-pairing.
        async_retry_setup_after(hass, entry, err.retry_after)
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="rate_limited",
            translation_placeholders={**placeholders, "seconds": str(err.retry_after)},
        ) from err
    except IncompatibleSchema as err:
        async_create_schema_issue(hass, entry, err)
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="incompatible_schema",
            translation_placeholders=placeholders,
        ) from err
    except ClientError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders=placeholders,
        ) from err


@callback
def async_retry_setup_after(
    hass: HomeAssistant, entry: ConfigEntry, seconds: float
) -> None:
    """Set an entry up again once the agent accepts attempts (plus a little jitter).

    Replaces the timer of an earlier refusal: each one says how long is left.
    """
    timers = hass.data.setdefault(_RATE_LIMIT_RETRIES, {})
    if (cancel := timers.pop(entry.entry_id, None)) is not None:
        cancel()

    @callback
    def _async_retry(_now: datetime) -> None:
        """Reload the entry if it is still waiting to retry its setup."""
        timers.pop(entry.entry_id, None)
        if entry.state is ConfigEntryState.SETUP_RETRY:
            hass.config_entries.async_schedule_reload(entry.entry_id)

    delay = seconds + random.uniform(0, RATE_LIMIT_JITTER)
    timers[entry.entry_id] = async_call_later(
        hass, delay, HassJob(_async_retry, cancel_on_shutdown=True)
    )
