"""Actions of the integration; they target session devices."""

from collections.abc import Mapping
from functools import partial
from typing import Any

import probatio

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.typing import VolDictType

from .client import Reply
from .commands import (
    async_abort,
    async_get_messages,
    async_get_permission,
    async_reply_permission,
    async_reply_question,
    async_send_prompt,
)
from .const import DOMAIN
from .devices import session_id_of_device
from .models import OpenCodeLookoutConfigEntry

ATTR_REPLY = "reply"
ATTR_MESSAGE = "message"
ATTR_PERMISSION_ID = "permission_id"
ATTR_TEXT = "text"
ATTR_ANSWER = "answer"
ATTR_REJECT = "reject"
ATTR_LIMIT = "limit"
ATTR_DIGEST = "digest"

DEVICE: VolDictType = {probatio.Required(ATTR_DEVICE_ID): cv.string}
# The fields of the commands that carry typed text; the card's websocket commands
# (websocket_api.py) take the same fields, since action calls are recorded.
PERMISSION_FIELDS: VolDictType = {
    probatio.Required(ATTR_REPLY): probatio.Coerce(Reply),
    probatio.Optional(ATTR_MESSAGE): cv.string,
    probatio.Optional(ATTR_PERMISSION_ID): cv.string,
    probatio.Optional(ATTR_DIGEST): cv.string,
}
QUESTION_FIELDS: VolDictType = {
    probatio.Optional(ATTR_ANSWER): cv.string,
    probatio.Optional(ATTR_REJECT, default=False): cv.boolean,
}
PROMPT_FIELDS: VolDictType = {probatio.Required(ATTR_TEXT): cv.string}
SCHEMAS = {
    "reply_permission": probatio.Schema({**DEVICE, **PERMISSION_FIELDS}),
    "get_permission": probatio.Schema(
        {**DEVICE, probatio.Required(ATTR_PERMISSION_ID): cv.string}
    ),
    "abort_session": probatio.Schema(DEVICE),
    "send_prompt": probatio.Schema({**DEVICE, **PROMPT_FIELDS}),
    "reply_question": probatio.Schema({**DEVICE, **QUESTION_FIELDS}),
    "get_messages": probatio.Schema(
        {
            **DEVICE,
            probatio.Optional(ATTR_LIMIT, default=20): probatio.All(
                probatio.Coerce(int), probatio.Range(min=1, max=100)
            ),
        }
    ),
}


def _validation_error(key: str, **placeholders: str) -> ServiceValidationError:
    """Return a translated validation error."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


def resolve_session(
    hass: HomeAssistant, device_id: str
) -> tuple[OpenCodeLookoutConfigEntry, str]:
    """Return the entry and session id of a session device (or a translated error)."""
    device = dr.async_get(hass).async_get(device_id, include_child_devices=False)
    if device is None:
        raise _validation_error("invalid_device", device_id=device_id)
    entry: OpenCodeLookoutConfigEntry | None = hass.config_entries.async_get_entry(
        device.config_entry_id
    )
    if entry is None or entry.domain != DOMAIN:
        raise _validation_error("invalid_device", device_id=device_id)
    if entry.state is not ConfigEntryState.LOADED:
        raise _validation_error("entry_not_loaded", title=entry.title)
    server_id = entry.runtime_data.manager.server_id
    if (session_id := session_id_of_device(server_id, device)) is None:
        raise _validation_error("not_a_session", device=device.name or device_id)
    return entry, session_id


def _resolve(
    hass: HomeAssistant, call: ServiceCall
) -> tuple[OpenCodeLookoutConfigEntry, str]:
    """Return the entry and session id of the targeted session device."""
    return resolve_session(hass, call.data[ATTR_DEVICE_ID])


def question_answer(data: Mapping[str, Any]) -> str | None:
    """Return the answer of reply_question's fields (None: dismiss), or refuse."""
    if data[ATTR_REJECT]:
        return None
    if (answer := data.get(ATTR_ANSWER)) is None:
        raise _validation_error("answer_required")
    return str(answer)


async def _reply_permission(hass: HomeAssistant, call: ServiceCall) -> None:
    """Answer a permission request of a session."""
    entry, session_id = _resolve(hass, call)
    await async_reply_permission(
        entry,
        session_id,
        call.data[ATTR_REPLY],
        context=call.context,
        message=call.data.get(ATTR_MESSAGE),
        permission_id=call.data.get(ATTR_PERMISSION_ID),
        digest=call.data.get(ATTR_DIGEST),
    )


async def _get_permission(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Return a pending permission of a session (None once it is answered)."""
    entry, session_id = _resolve(hass, call)
    permission = await async_get_permission(
        entry, session_id, call.data[ATTR_PERMISSION_ID], context=call.context
    )
    return {"permission": permission}


async def _abort_session(hass: HomeAssistant, call: ServiceCall) -> None:
    """Abort a session."""
    entry, session_id = _resolve(hass, call)
    await async_abort(entry, session_id, context=call.context)


async def _send_prompt(hass: HomeAssistant, call: ServiceCall) -> None:
    """Send a prompt to a session."""
    entry, session_id = _resolve(hass, call)
    await async_send_prompt(
        entry, session_id, call.data[ATTR_TEXT], context=call.context
    )


async def _reply_question(hass: HomeAssistant, call: ServiceCall) -> None:
    """Answer or dismiss the pending question of a session."""
    answer = question_answer(call.data)
    entry, session_id = _resolve(hass, call)
    await async_reply_question(entry, session_id, answer, context=call.context)


async def _get_messages(hass: HomeAssistant, call: ServiceCall) -> ServiceResponse:
    """Return the latest messages of a session."""
    entry, session_id = _resolve(hass, call)
    messages = await async_get_messages(
        entry, session_id, call.data[ATTR_LIMIT], context=call.context
    )
    return {"messages": messages}  # type: ignore[dict-item]


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the actions (once, in async_setup)."""
    for name, handler in (
        ("reply_permission", _reply_permission),
        ("abort_session", _abort_session),
        ("send_prompt", _send_prompt),
        ("reply_question", _reply_question),
    ):
        hass.services.async_register(
            DOMAIN, name, partial(handler, hass), schema=SCHEMAS[name]
        )
    for name, responder in (
        ("get_messages", _get_messages),
        ("get_permission", _get_permission),
    ):
        hass.services.async_register(
            DOMAIN,
            name,
            partial(responder, hass),
            schema=SCHEMAS[name],
            supports_response=SupportsResponse.ONLY,
        )
