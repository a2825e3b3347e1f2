"""Buttons and actions send the right commands; errors are translated."""

import asyncio
from unittest.mock import patch

from common import device_id, entity_id, wait_for
from fake_agent import ROOT_ID, FakeAgent, make_permission, make_question
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.const import DOMAIN
from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.service import async_get_all_descriptions


async def _pending(hass: HomeAssistant, agent: FakeAgent) -> None:
    """Make the root session wait for a (sub-agent's) permission."""
    await agent.update_session(
        state="waiting_permission",
        pending_permissions=[make_permission()],
    )
    await wait_for(
        hass,
        lambda: (
            hass.states.get(entity_id(hass, "sensor", "state", ROOT_ID)).state
            == "waiting_permission"
        ),
    )


@pytest.mark.parametrize("key", ["approve_once", "approve_always", "reject"])
@pytest.mark.usefixtures("all_entities_enabled")
async def test_permission_buttons(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent, key: str
) -> None:
    """Each button answers the current pending permission."""
    await _pending(hass, agent)
    await hass.services.async_call(
        BUTTON_DOMAIN,
        SERVICE_PRESS,
        {ATTR_ENTITY_ID: entity_id(hass, "button", key, ROOT_ID)},
        blocking=True,
    )
    (command,) = agent.commands("reply_permission")
    reply = {"approve_once": "once", "approve_always": "always", "reject": "reject"}[
        key
    ]
    assert command["permission_id"] == "per_1"
    assert command["reply"] == reply
    assert command["session_id"] == ROOT_ID


async def test_abort_button(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """The abort button aborts the working session."""
    await agent.update_session(state="working")
    button = entity_id(hass, "button", "abort", ROOT_ID)
    await wait_for(hass, lambda: hass.states.get(button).state != "unavailable")
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: button}, blocking=True
    )
    assert agent.commands("abort_session")[0]["session_id"] == ROOT_ID


async def test_reply_permission_action(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """The action defaults to the current permission and passes the message."""
    await _pending(hass, agent)
    session = device_id(hass, init_integration, ROOT_ID)
    await hass.services.async_call(
        DOMAIN,
        "reply_permission",
        {"device_id": session, "reply": "reject", "message": "use make clean"},
        blocking=True,
    )
    await hass.services.async_call(
        DOMAIN,
        "reply_permission",
        {"device_id": session, "reply": "once", "permission_id": "per_other"},
        blocking=True,
    )
    first, second = agent.commands("reply_permission")
    assert first["message"] == "use make clean"
    assert first["permission_id"] == "per_1"
    assert second["permission_id"] == "per_other"
    assert second["message"] is None


async def test_other_actions(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """abort_session, send_prompt, reply_question and get_messages."""
    session = device_id(hass, init_integration, ROOT_ID)
    await hass.services.async_call(
        DOMAIN, "abort_session", {"device_id": session}, blocking=True
    )
    await hass.services.async_call(
        DOMAIN,
        "send_prompt",
        {"device_id": session, "text": "run the tests"},
        blocking=True,
    )
    assert agent.commands("abort_session")[0]["session_id"] == ROOT_ID
    prompt = agent.commands("send_prompt")[0]
    assert (prompt["session_id"], prompt["text"]) == (ROOT_ID, "run the tests")

    await agent.update_session(state="waiting_input", question=make_question())
    await wait_for(
        hass,
        lambda: init_integration.runtime_data.sessions[ROOT_ID].question,
    )
    await hass.services.async_call(
        DOMAIN,
        "reply_question",
        {"device_id": session, "answer": "sqlite"},
        blocking=True,
    )
    await hass.services.async_call(
        DOMAIN,
        "reply_question",
        {"device_id": session, "reject": True},
        blocking=True,
    )
    answer, reject = agent.commands("reply_question")
    assert answer["answers"] == [["SQLite"]]
    assert answer["question_id"] == "que_1"
    assert reject["reject"] is True
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "reply_question", {"device_id": session}, blocking=True
        )
    assert err.value.translation_key == "answer_required"

    agent.results["get_messages"] = {
        "messages": [
            {
                "id": "msg_1",
                "role": "user",
                "agent": "build",
                "created": "2026-01-02T03:04:05.000Z",
                "text": "hi",
                "truncated": False,
            },
        ]
    }
    response = await hass.services.async_call(
        DOMAIN,
        "get_messages",
        {"device_id": session, "limit": 5},
        blocking=True,
        return_response=True,
    )
    assert response == {
        "messages": [
            {
                "id": "msg_1",
                "role": "user",
                "agent": "build",
                "created": "2026-01-02T03:04:05+00:00",
                "text": "hi",
                "truncated": False,
            }
        ]
    }
    assert agent.commands("get_messages")[0]["limit"] == 5


async def test_action_errors(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Validation and agent errors are translated."""
    session = device_id(hass, init_integration, ROOT_ID)

    async def call(service: str, **data: object) -> None:
        await hass.services.async_call(
            DOMAIN, service, {"device_id": session, **data}, blocking=True
        )

    with pytest.raises(ServiceValidationError) as err:
        await call("reply_permission", reply="once")
    assert err.value.translation_key == "no_pending_permission"
    with pytest.raises(ServiceValidationError) as err:
        await call("reply_question", answer="x")
    assert err.value.translation_key == "no_pending_question"

    await _pending(hass, agent)
    agent.errors["reply_permission"] = {"code": "not_found", "message": "not pending"}
    with pytest.raises(ServiceValidationError) as err:
        await call("reply_permission", reply="once")
    assert err.value.translation_key == "not_found"
    agent.errors["abort_session"] = {"code": "unavailable", "message": "gone"}
    with pytest.raises(HomeAssistantError) as err:
        await call("abort_session")
    assert err.value.translation_key == "session_unavailable"
    agent.errors["send_prompt"] = {"code": "opencode_error", "message": "no"}
    with pytest.raises(HomeAssistantError) as err:
        await call("send_prompt", text="x")
    assert err.value.translation_key == "command_failed"
    assert err.value.translation_placeholders == {
        "code": "opencode_error",
        "message": "no",
    }

    await agent.stop()
    await wait_for(hass, lambda: not init_integration.runtime_data.manager.connected)
    with pytest.raises(HomeAssistantError) as err:
        await call("abort_session")
    assert err.value.translation_key == "agent_offline"


async def test_action_targets(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Unknown devices, the machine device and unloaded entries are refused."""
    machine = device_id(hass, init_integration)
    session = device_id(hass, init_integration, ROOT_ID)
    other = MockConfigEntry(domain="other")
    other.add_to_hass(hass)
    foreign = dr.async_get(hass).async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("other", "x")}
    )
    for target, key in (
        ("nope", "invalid_device"),
        (foreign.id, "invalid_device"),
        (machine, "not_a_session"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN, "abort_session", {"device_id": target}, blocking=True
            )
        assert err.value.translation_key == key
    init_integration.runtime_data.tracker.async_forget(ROOT_ID)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "abort_session", {"device_id": session}, blocking=True
        )
    assert err.value.translation_key == "unknown_session"
    await hass.config_entries.async_unload(init_integration.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "abort_session", {"device_id": session}, blocking=True
        )
    assert err.value.translation_key == "entry_not_loaded"


async def test_command_timeout_and_lost_connection(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """A command interrupted by a drop fails as agent_offline."""
    session = device_id(hass, init_integration, ROOT_ID)
    agent.silent.add("abort_session")
    task = asyncio.create_task(
        hass.services.async_call(
            DOMAIN, "abort_session", {"device_id": session}, blocking=True
        )
    )
    await wait_for(hass, lambda: agent.commands("abort_session"))
    await agent.drop_clients()
    with pytest.raises(HomeAssistantError) as err:
        await task
    assert err.value.translation_key == "agent_offline"
    # Let the client reconnect before the entry unloads (no handshake cut midway).
    await wait_for(hass, lambda: init_integration.runtime_data.manager.connected)


async def test_command_timeout(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """A command without an answer times out as a translated command error."""
    session = device_id(hass, init_integration, ROOT_ID)
    agent.silent.add("abort_session")
    with (
        patch(
            "custom_components.opencode_lookout.client.connection.COMMAND_TIMEOUT", 0.05
        ),
        pytest.raises(HomeAssistantError) as err,
    ):
        await hass.services.async_call(
            DOMAIN, "abort_session", {"device_id": session}, blocking=True
        )
    assert err.value.translation_key == "command_failed"
    assert err.value.translation_placeholders["code"] == "timeout"


async def test_service_descriptions(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """services.yaml loads and describes every registered action."""
    descriptions = await async_get_all_descriptions(hass)
    assert set(descriptions[DOMAIN]) == {
        "reply_permission",
        "abort_session",
        "send_prompt",
        "reply_question",
        "get_messages",
        "get_permission",
    }
    field = descriptions[DOMAIN]["reply_permission"]["fields"]["device_id"]
    assert field["selector"]["device"]["filter"][0]["integration"] == DOMAIN


async def test_unknown_request_and_idle_abort_are_validation_errors(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """The caller's mistake, not a failure: translated validation errors.

    An unknown permission id (the agent answers not_found without asking OpenCode)
    and aborting a session that is not working (not_busy).
    """
    session = device_id(hass, init_integration, ROOT_ID)
    agent.errors["reply_permission"] = {"code": "not_found", "message": "per_nope"}
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "reply_permission",
            {"device_id": session, "reply": "once", "permission_id": "per_nope"},
            blocking=True,
        )
    assert err.value.translation_key == "not_found"
    assert str(err.value) == (
        "The request is no longer pending (already answered, expired or unknown):"
        " per_nope"
    )
    assert agent.commands("reply_permission")[0]["permission_id"] == "per_nope"

    agent.errors["abort_session"] = {"code": "not_busy", "message": "session is idle"}
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "abort_session", {"device_id": session}, blocking=True
        )
    assert err.value.translation_key == "not_busy"
    assert str(err.value) == (
        "The session is not working, there is nothing to abort: session is idle"
    )


async def test_get_permission_and_digest(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """get_permission returns the text and its digest; a reply must match the digest."""
    await _pending(hass, agent)
    session = device_id(hass, init_integration, ROOT_ID)

    async def get(permission_id: str) -> dict:
        return await hass.services.async_call(
            DOMAIN,
            "get_permission",
            {"device_id": session, "permission_id": permission_id},
            blocking=True,
            return_response=True,
        )

    shown = (await get("per_1"))["permission"]
    assert shown == {
        "permission_id": "per_1",
        "key": "bash",
        "title": "bash: rm -rf build",
        "patterns": ["rm -rf build"],
        "always": ["rm *"],
        "permission_session_id": make_permission()["session_id"],
        "sub_agent": True,
        "digest": shown["digest"],
    }
    assert len(shown["digest"]) == 32
    assert await get("per_gone") == {"permission": None}

    async def reply(digest: str, permission_id: str | None = "per_1") -> None:
        data = {"device_id": session, "reply": "always", "digest": digest}
        if permission_id is not None:
            data["permission_id"] = permission_id
        await hass.services.async_call(DOMAIN, "reply_permission", data, blocking=True)

    # Another text under the same id, no id, or a request gone: nothing is answered.
    for digest, permission_id in (
        ("0" * 32, "per_1"),
        (shown["digest"], None),
        (shown["digest"], "per_gone"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await reply(digest, permission_id)
        assert err.value.translation_key == "permission_not_as_shown"
    assert agent.commands("reply_permission") == []
    await reply(shown["digest"])
    (command,) = agent.commands("reply_permission")
    assert (command["permission_id"], command["reply"]) == ("per_1", "always")


@pytest.mark.usefixtures("all_entities_enabled")
async def test_button_answers_the_permission_it_showed(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Race: a press that crosses an answer given elsewhere never answers the next one.

    Before, a button answered whichever permission was oldest when the press arrived:
    per_1 answered in the terminal, the press meant for it approved per_2.
    """
    await agent.update_session(
        state="waiting_permission",
        pending_permissions=[make_permission(), make_permission(id="per_2")],
    )
    runtime = init_integration.runtime_data
    await wait_for(hass, lambda: runtime.sessions[ROOT_ID].permission is not None)
    button = entity_id(hass, "button", "approve_always", ROOT_ID)

    async def press() -> None:
        await hass.services.async_call(
            BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: button}, blocking=True
        )

    with patch("custom_components.opencode_lookout.button.SHOWN_FOR", 0.5):
        # The press arrives while the agent already answered per_1 elsewhere but the
        # session was not updated yet: it sends per_1 (and fails), not the next one.
        await asyncio.sleep(0.6)
        agent.errors["reply_permission"] = {"code": "not_found", "message": "per_1"}
        with pytest.raises(ServiceValidationError) as err:
            await press()
        assert err.value.translation_key == "not_found"
        assert [c["permission_id"] for c in agent.commands("reply_permission")] == [
            "per_1"
        ]
        del agent.errors["reply_permission"]
        # The update arrives, per_2 shows; the press the person meant for per_1 lands
        # right after: refused, per_2 is not answered.
        await agent.resolve_permission("per_1")
        await wait_for(hass, lambda: runtime.sessions[ROOT_ID].permission.id == "per_2")
        with pytest.raises(ServiceValidationError) as err:
            await press()
        assert err.value.translation_key == "permission_just_changed"
        assert len(agent.commands("reply_permission")) == 1
        # Once per_2 has been shown a moment, a press answers per_2.
        await asyncio.sleep(0.6)
        await press()
    last = agent.commands("reply_permission")[-1]
    assert (last["permission_id"], last["reply"]) == ("per_2", "always")
