"""Phone notifications of questions; switching requests off and on."""

from common import wait_for
from fake_agent import ROOT_ID, FakeAgent, make_permission, make_question
from notify_common import (
    OTHER,
    PHONE,
    PREFIX,
    TARGETS,
    cleared,
    nonce_of,
    sent,
    tap,
    wait_calls,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.const import (
    CONF_NOTIFY_PERMISSIONS,
    CONF_NOTIFY_TARGETS,
)
from homeassistant.core import HomeAssistant, ServiceCall

OPTIONS = [
    {"label": "Postgres", "description": "the default"},
    {"label": "SQLite", "description": ""},
    {"label": "MySQL", "description": ""},
    {"label": "DuckDB", "description": ""},
]


async def test_question_notification(
    hass: HomeAssistant, calls: list[ServiceCall], agent: FakeAgent
) -> None:
    """Options become buttons (at most three) next to a text reply."""
    await agent.update_session(state="waiting_input", question=make_question())
    await wait_calls(hass, calls, 2)
    (note,) = sent(calls, PHONE)
    assert note["title"] == "devbox · Fix the build"
    assert note["message"] == "Which database?"
    assert note["data"]["tag"] == "que_1"
    nonce = nonce_of(calls, "que_1")
    assert note["data"]["actions"] == [
        {"action": f"{PREFIX}ANSWER_0_{nonce}", "title": "Postgres"},
        {"action": f"{PREFIX}ANSWER_1_{nonce}", "title": "SQLite"},
        {
            "action": f"{PREFIX}REPLY_{nonce}",
            "title": "Answer",
            "behavior": "textInput",
            "textInputButtonTitle": "Send",
            "textInputPlaceholder": "Your answer",
        },
    ]
    await tap(hass, calls, "ANSWER_1", "que_1")
    (answer,) = agent.commands("reply_question")
    assert answer["question_id"] == "que_1"
    assert answer["answers"] == [["SQLite"]]
    await wait_calls(hass, calls, 4)
    assert sorted(cleared(calls, "que_1")) == sorted(TARGETS)
    await tap(hass, calls, "ANSWER_0", "que_1")  # the nonce is used up
    await tap(hass, calls, "ANSWER_0", "que_1", phone=OTHER)  # already answered
    assert len(agent.commands("reply_question")) == 1
    await wait_calls(hass, calls, 5)
    assert sent(calls, OTHER)[-1]["message"] == "This request was already answered."

    # More than three options: three buttons, all options in the message.
    question = make_question(id="que_2")
    question["questions"][0]["options"] = OPTIONS
    await agent.update_session(question=question)
    await wait_calls(hass, calls, 7)
    note = sent(calls, PHONE)[-1]
    assert note["message"] == "Which database?\nPostgres, SQLite, MySQL, DuckDB"
    assert [a["title"] for a in note["data"]["actions"]] == [
        "Postgres",
        "SQLite",
        "MySQL",
        "Answer",
    ]
    await tap(hass, calls, "REPLY", "que_2")  # an empty text answers nothing
    await tap(hass, calls, "ANSWER_7", "que_2")  # no such option
    await tap(hass, calls, "ANSWER_x", "que_2")
    assert len(agent.commands("reply_question")) == 1
    agent.errors["reply_question"] = {"code": "timeout", "message": "no answer"}
    await tap(hass, calls, "ANSWER_2", "que_2")
    await wait_calls(hass, calls, 9)
    assert sent(calls, PHONE)[-1]["message"].startswith(
        "Your answer did not arrive: The agent refused the command (timeout)"
    )
    del agent.errors["reply_question"]
    await tap(hass, calls, "REPLY", "que_2", reply_text="Oracle")
    assert agent.commands("reply_question")[-1]["answers"] == [["Oracle"]]
    await wait_calls(hass, calls, 11)


async def test_question_without_buttons_and_gone(
    hass: HomeAssistant, calls: list[ServiceCall], agent: FakeAgent
) -> None:
    """Several questions at once are answered at the desk; gone means cleared."""
    question = make_question()
    question["questions"].append(
        {"question": "", "header": "Port", "multiple": False, "options": []}
    )
    await agent.update_session(state="waiting_input", question=question)
    await wait_calls(hass, calls, 2)
    note = sent(calls, PHONE)[-1]
    assert note["message"] == (
        "Which database?\nPort\nAnswer it at the desk or in Home Assistant."
    )
    assert "actions" not in note["data"]
    # OpenCode went away: its session cannot be answered, so the request goes.
    await agent.update_session(available=False)
    await wait_calls(hass, calls, 4)
    assert sorted(cleared(calls, "que_1")) == sorted(TARGETS)
    await agent.update_session(available=True)
    await wait_calls(hass, calls, 6)
    await agent.update_session(state="idle", question=None)
    await wait_calls(hass, calls, 8)
    assert cleared(calls, "que_1") == [PHONE, OTHER] * 2


@pytest.mark.parametrize(
    "notify_options",
    [{"notify_questions": False, CONF_NOTIFY_PERMISSIONS: False}],
)
async def test_request_toggles(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    agent: FakeAgent,
    config_entry: MockConfigEntry,
) -> None:
    """Permissions and questions can be switched off; a reload sends afresh."""
    await agent.update_session(
        state="waiting_permission",
        pending_permissions=[make_permission()],
        question=make_question(),
    )
    runtime = config_entry.runtime_data
    await wait_for(hass, lambda: runtime.sessions[ROOT_ID].question is not None)
    assert calls == []
    hass.config_entries.async_update_entry(
        config_entry, options={**config_entry.options, CONF_NOTIFY_PERMISSIONS: True}
    )
    await hass.config_entries.async_reload(config_entry.entry_id)
    await wait_calls(hass, calls, 2)
    old = nonce_of(calls, "per_1")
    # The notifier's state (and its nonces) go with the entry: a reload (an options
    # change) sends the pending request again under the same tag, which replaces
    # the notification without alerting again.
    await hass.config_entries.async_reload(config_entry.entry_id)
    await wait_calls(hass, calls, 4)
    assert sent(calls, PHONE)[-1]["data"]["tag"] == "per_1"
    assert nonce_of(calls, "per_1") != old
    await tap(hass, calls, "ONCE", "per_1", nonce=old)  # the old buttons are dead
    assert agent.commands("reply_permission") == []
    for targets, count in (([PHONE], 5), ([OTHER, PHONE], 7)):
        hass.config_entries.async_update_entry(
            config_entry,
            options={**config_entry.options, CONF_NOTIFY_TARGETS: targets},
        )
        await hass.config_entries.async_reload(config_entry.entry_id)
        await wait_calls(hass, calls, count)
    assert sent(calls, OTHER)[-1]["data"]["tag"] == "per_1"
