"""Who may steer (admins, the steer_users allow-list, automations) and the audit trail."""

from collections.abc import Callable
from typing import Any

from common import device_id, entity_id, wait_for
from fake_agent import ROOT_ID, FakeAgent, make_permission, make_question
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.opencode_lookout import logbook
from custom_components.opencode_lookout.const import (
    CONF_STEER_USERS,
    DOMAIN,
    EVENT_COMMAND,
)
from homeassistant.auth.const import GROUP_ID_ADMIN, GROUP_ID_USER
from homeassistant.auth.models import User
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import Context, Event, HomeAssistant
from homeassistant.exceptions import Unauthorized

# Every steering action with valid data (a permission and a question are pending).
ACTIONS: list[tuple[str, dict[str, Any], str]] = [
    ("reply_permission", {"reply": "always"}, "reply_permission"),
    ("reply_question", {"answer": "SQLite"}, "reply_question"),
    ("send_prompt", {"text": "rm -rf ~"}, "send_prompt"),
    ("abort_session", {}, "abort_session"),
    ("get_messages", {}, "get_messages"),
    # Reads the command: as steering-only as the messages (no agent command).
    ("get_permission", {"permission_id": "per_1"}, "get_permission"),
]


@pytest.fixture(autouse=True)
def owner(hass_owner_user: User) -> User:
    """Have an owner first: Home Assistant makes the first user created the owner."""
    return hass_owner_user


async def _user(hass: HomeAssistant, name: str, group: str = GROUP_ID_USER) -> User:
    """Create an active user in a group (system-users: may control every entity)."""
    return await hass.auth.async_create_user(name, group_ids=[group])


async def _waiting(hass: HomeAssistant, agent: FakeAgent) -> None:
    """Make the root session wait for a permission and a question."""
    await agent.update_session(
        state="waiting_permission",
        pending_permissions=[make_permission()],
        question=make_question(),
    )
    await wait_for(
        hass,
        lambda: (
            hass.states.get(entity_id(hass, "sensor", "state", ROOT_ID)).state
            == "waiting_permission"
        ),
    )


async def _call(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    action: str,
    data: dict,
    user: str | None,
) -> None:
    """Call one action on the root session as a user (None: an automation)."""
    await hass.services.async_call(
        DOMAIN,
        action,
        {"device_id": device_id(hass, entry, ROOT_ID), **data},
        blocking=True,
        context=Context(user_id=user),
        return_response=action.startswith("get_"),
    )


@pytest.mark.parametrize(("action", "data", "command"), ACTIONS)
async def test_non_admin_action_refused(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    agent: FakeAgent,
    action: str,
    data: dict[str, Any],
    command: str,
) -> None:
    """Attack: a user who is no admin calls a steering action: refused, nothing sent."""
    await _waiting(hass, agent)
    guest = await _user(hass, "guest")
    with pytest.raises(Unauthorized) as err:
        await _call(hass, init_integration, action, data, guest.id)
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "steer_not_allowed"
    assert str(err.value) == (
        "You may not steer the sessions of devbox: ask an administrator to add you "
        "to the users allowed to steer (integration options)"
    )
    assert agent.commands(command) == []


@pytest.mark.parametrize("key", ["approve_once", "approve_always", "reject", "abort"])
@pytest.mark.usefixtures("all_entities_enabled")
async def test_non_admin_button_press_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent, key: str
) -> None:
    """Attack: a user who may control entities presses a button: refused."""
    await _waiting(hass, agent)
    if key == "abort":
        await agent.update_session(state="working")
    button = entity_id(hass, "button", key, ROOT_ID)
    await wait_for(hass, lambda: hass.states.get(button).state != "unavailable")
    guest = await _user(hass, "guest")
    with pytest.raises(Unauthorized):
        await hass.services.async_call(
            BUTTON_DOMAIN,
            SERVICE_PRESS,
            {ATTR_ENTITY_ID: button},
            blocking=True,
            context=Context(user_id=guest.id),
        )
    assert agent.commands("reply_permission") == []
    assert agent.commands("abort_session") == []


@pytest.mark.usefixtures("all_entities_enabled")
async def test_allowed_callers_and_audit(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Admins, allow-listed users and automations steer; each command is audited."""
    audit = async_capture_events(hass, EVENT_COMMAND)
    await _waiting(hass, agent)
    admin = await _user(hass, "Ada", GROUP_ID_ADMIN)
    friend = await _user(hass, "Bob")
    hass.config_entries.async_update_entry(
        init_integration, options={CONF_STEER_USERS: [friend.id]}
    )
    await _call(hass, init_integration, "reply_permission", {"reply": "once"}, admin.id)
    await _call(hass, init_integration, "send_prompt", {"text": "go on"}, friend.id)
    await _call(hass, init_integration, "abort_session", {}, None)
    button = entity_id(hass, "button", "reject", ROOT_ID)
    await hass.services.async_call(
        BUTTON_DOMAIN,
        SERVICE_PRESS,
        {ATTR_ENTITY_ID: button},
        blocking=True,
        context=Context(user_id=friend.id),
    )
    assert len(agent.commands("reply_permission")) == 2
    assert [e.data["verb"] for e in audit] == [
        "approved_once",
        "prompted",
        "aborted",
        "rejected",
    ]
    first = audit[0]
    assert first.context.user_id == admin.id
    assert first.data["user_id"] == admin.id
    assert first.data["user_name"] == "Ada"
    # The kind of request and its id, never the command (the event is recorded).
    assert first.data["subject"] == "bash"
    assert first.data["request_id"] == "per_1"
    assert audit[1].data["subject"] == ""
    assert first.data["session_id"] == ROOT_ID
    assert audit[2].data["user_id"] is None

    # The logbook names the user, the verb and the kind of request.
    describers: dict[tuple[str, str], Callable[[Event], dict[str, str]]] = {}
    logbook.async_describe_events(
        hass, lambda domain, event, fn: describers.__setitem__((domain, event), fn)
    )
    describe = describers[(DOMAIN, EVENT_COMMAND)]
    assert describe(first) == {
        "name": "devbox · Fix the build",
        "message": "Ada approved once: bash",
    }
    assert describe(audit[1])["message"] == "Bob sent the prompt"
    assert describe(audit[2])["message"] == "An automation aborted the session"


async def test_unknown_user_refused(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """A context naming a user that does not exist is refused."""
    await _waiting(hass, agent)
    with pytest.raises(Unauthorized):
        await _call(hass, init_integration, "abort_session", {}, "no-such-user")
    assert agent.commands("abort_session") == []
