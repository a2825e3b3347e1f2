"""Options flow of the phone notifications."""

from fake_agent import FakeAgent
from notify_common import OTHER, PHONE, mock_notify
import probatio
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.const import (
    CONF_MAX_SESSION_DEVICES,
    CONF_NOTIFY,
    CONF_NOTIFY_DELAY,
    CONF_NOTIFY_ERRORS,
    CONF_NOTIFY_FINISHED,
    CONF_NOTIFY_MIN_DURATION,
    CONF_NOTIFY_PERMISSIONS,
    CONF_NOTIFY_QUESTIONS,
    CONF_NOTIFY_TARGETS,
    CONF_SESSION_MAX_AGE_HOURS,
    CONF_STEER_USERS,
)
from homeassistant.auth.const import GROUP_ID_ADMIN, GROUP_ID_USER
from homeassistant.auth.models import User
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, section
from homeassistant.helpers import config_validation as cv


def _section(result: dict) -> section:
    """Return the notifications section of the options form."""
    schema = result["data_schema"].schema
    return next(v for k, v in schema.items() if str(k) == CONF_NOTIFY)


async def test_options_notifications(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """Phones are offered first; the choice is validated, stored flat and reloads."""
    mock_notify(hass)
    hass.services.async_register("notify", "family_group", lambda call: None)
    hass.services.async_register("notify", "send_message", lambda call: None)
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    notify = _section(result)
    assert notify.options == {"collapsed": True}  # no phone chosen yet
    fields = {str(k): v for k, v in notify.schema.schema.items()}
    targets = fields[CONF_NOTIFY_TARGETS].config
    assert targets["options"] == [OTHER, PHONE, "notify.family_group"]
    assert targets["multiple"] is True
    assert targets["custom_value"] is True
    # The form serializes for the frontend: an expandable section of fields.
    fields = probatio.to_field_list(
        result["data_schema"], custom_serializer=cv.custom_serializer
    )
    assert [f["name"] for f in fields] == [
        CONF_STEER_USERS,
        CONF_SESSION_MAX_AGE_HOURS,
        CONF_MAX_SESSION_DEVICES,
        CONF_NOTIFY,
    ]
    assert fields[3]["type"] == "expandable"
    assert [f["name"] for f in fields[3]["schema"]][:2] == [
        CONF_NOTIFY_TARGETS,
        CONF_NOTIFY_PERMISSIONS,
    ]

    answer = {
        CONF_SESSION_MAX_AGE_HOURS: 24.0,
        CONF_MAX_SESSION_DEVICES: 20.0,
        CONF_NOTIFY: {
            CONF_NOTIFY_TARGETS: ["mobile_app_test", PHONE, "notify.nope"],
            CONF_NOTIFY_PERMISSIONS: True,
            CONF_NOTIFY_QUESTIONS: False,
            CONF_NOTIFY_FINISHED: True,
            CONF_NOTIFY_ERRORS: True,
            CONF_NOTIFY_MIN_DURATION: 60.0,
            CONF_NOTIFY_DELAY: 0.0,
        },
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], answer
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown_notify_service"}
    assert result["description_placeholders"] == {"missing": "notify.nope"}
    # The unknown name stays selectable so that it can be removed.
    fields = {str(k): v for k, v in _section(result).schema.schema.items()}
    assert "notify.nope" in fields[CONF_NOTIFY_TARGETS].config["options"]

    answer[CONF_NOTIFY][CONF_NOTIFY_TARGETS] = ["mobile_app_test", PHONE, " "]
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], answer
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert config_entry.options == {
        CONF_STEER_USERS: [],
        CONF_SESSION_MAX_AGE_HOURS: 24,
        CONF_MAX_SESSION_DEVICES: 20,
        CONF_NOTIFY_TARGETS: [PHONE],
        CONF_NOTIFY_PERMISSIONS: True,
        CONF_NOTIFY_QUESTIONS: False,
        CONF_NOTIFY_FINISHED: True,
        CONF_NOTIFY_ERRORS: True,
        CONF_NOTIFY_MIN_DURATION: 60,
        CONF_NOTIFY_DELAY: 0,
    }
    assert config_entry.state is ConfigEntryState.LOADED

    # The form shows the stored values; removing every phone is possible.
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    notify = _section(result)
    assert notify.options == {"collapsed": False}
    defaults = {str(k): k for k in notify.schema.schema}
    assert defaults[CONF_NOTIFY_TARGETS].description == {"suggested_value": [PHONE]}
    assert defaults[CONF_NOTIFY_QUESTIONS].default() is False
    assert defaults[CONF_NOTIFY_MIN_DURATION].default() == 60
    answer[CONF_NOTIFY] = {
        k: v for k, v in answer[CONF_NOTIFY].items() if k != CONF_NOTIFY_TARGETS
    }
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], answer
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options[CONF_NOTIFY_TARGETS] == []
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_options_refuse_phones_of_users_who_may_not_steer(
    hass: HomeAssistant,
    agent: FakeAgent,
    config_entry: MockConfigEntry,
    hass_owner_user: User,
) -> None:
    """Actionable notifications only go to phones of people who may answer them.

    Before, a phone of a user who may not steer could be chosen: its buttons were
    refused on every tap.
    """
    mock_notify(hass)
    guest = await hass.auth.async_create_user("Guest", group_ids=[GROUP_ID_USER])
    admin = await hass.auth.async_create_user("Ada", group_ids=[GROUP_ID_ADMIN])
    for name, user in (("test", guest), ("other", admin)):
        MockConfigEntry(
            domain="mobile_app", data={"device_name": name, "user_id": user.id}
        ).add_to_hass(hass)
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    answer = {
        CONF_SESSION_MAX_AGE_HOURS: 24.0,
        CONF_MAX_SESSION_DEVICES: 20.0,
        CONF_NOTIFY: {
            CONF_NOTIFY_TARGETS: [PHONE, OTHER],
            CONF_NOTIFY_PERMISSIONS: True,
            CONF_NOTIFY_QUESTIONS: True,
            CONF_NOTIFY_FINISHED: True,
            CONF_NOTIFY_ERRORS: True,
            CONF_NOTIFY_MIN_DURATION: 30.0,
            CONF_NOTIFY_DELAY: 0.0,
        },
    }
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], answer
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "phone_user_may_not_steer"}
    assert result["description_placeholders"] == {"phones": f"{PHONE} (Guest)"}
    assert CONF_NOTIFY_TARGETS not in config_entry.options
    # Allowed to steer, the same user's phone may be chosen.
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**answer, CONF_STEER_USERS: [guest.id]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options[CONF_NOTIFY_TARGETS] == [PHONE, OTHER]
    await hass.async_block_till_done()
    await hass.config_entries.async_unload(config_entry.entry_id)
