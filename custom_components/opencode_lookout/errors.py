"""Client errors to translated Home Assistant errors: the one place that maps them."""

from collections.abc import Awaitable, Callable, Coroutine
from functools import wraps
from typing import Any, Concatenate, Protocol

from homeassistant.exceptions import HomeAssistantError

from .client import ClientError, CommandError, NotPending, Unavailable
from .const import DOMAIN


class RequestNotPending(HomeAssistantError):
    """The permission or question was answered, expired or is unknown."""


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
