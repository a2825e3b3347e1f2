"""Helpers of the phone notification tests: fake mobile app notify actions."""

from typing import Any

from common import wait_for
from fake_agent import ROOT_ID, FakeAgent
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.const import CONF_NOTIFY_TARGETS
from homeassistant.auth.const import GROUP_ID_ADMIN
from homeassistant.core import Context, HomeAssistant, ServiceCall, callback

PHONE = "notify.mobile_app_test"
OTHER = "notify.mobile_app_other"
TARGETS = [PHONE, OTHER]
PREFIX = "OPENCODE_LOOKOUT_"


class _Owner:
    """Tap as the user who owns the phone (the Companion app's registered user)."""


OWNER: Any = _Owner()


def mock_notify(hass: HomeAssistant) -> list[ServiceCall]:
    """Register notify.mobile_app_test and notify.mobile_app_other; log calls."""
    calls: list[ServiceCall] = []

    @callback
    def log(call: ServiceCall) -> None:
        calls.append(call)

    for target in TARGETS:
        hass.services.async_register("notify", target.removeprefix("notify."), log)
    return calls


async def async_add_phones(hass: HomeAssistant) -> None:
    """Register both phones as Companion app devices of two users who may steer."""
    for target in TARGETS:
        name = target.removeprefix("notify.mobile_app_")
        user = await hass.auth.async_create_user(
            f"owner of {name}", group_ids=[GROUP_ID_ADMIN]
        )
        MockConfigEntry(
            domain="mobile_app",
            title=name,
            data={"device_name": name, "user_id": user.id},
        ).add_to_hass(hass)


def phone_owner(hass: HomeAssistant, phone: str = PHONE) -> str:
    """Return the user id of the Companion app device behind a notify target."""
    name = phone.removeprefix("notify.mobile_app_")
    return next(
        e.data["user_id"]
        for e in hass.config_entries.async_entries("mobile_app")
        if e.data["device_name"] == name
    )


async def async_setup_notify(
    hass: HomeAssistant, entry: MockConfigEntry, options: dict[str, Any]
) -> None:
    """Set up the entry with notifications to both phones (plus options)."""
    await async_add_phones(hass)
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={CONF_NOTIFY_TARGETS: TARGETS, **options}
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def request_permissions(agent: FakeAgent, *permissions: dict[str, Any]) -> None:
    """Make the root session wait for permissions, like the agent reports it."""
    await agent.update_session(
        state="waiting_permission", pending_permissions=list(permissions)
    )
    for permission in permissions:
        await agent.push(
            "permission_requested",
            session_id=permission["session_id"],
            root_session_id=ROOT_ID,
            permission_id=permission["id"],
        )


def sent(calls: list[ServiceCall], target: str = PHONE) -> list[dict[str, Any]]:
    """Return what one target received."""
    return [c.data for c in calls if f"notify.{c.service}" == target]


def cleared(calls: list[ServiceCall], tag: str) -> list[str]:
    """Return the targets that got clear_notification for a tag."""
    return [
        f"notify.{c.service}"
        for c in calls
        if c.data["message"] == "clear_notification" and c.data["data"]["tag"] == tag
    ]


def nonce_of(calls: list[ServiceCall], tag: str, phone: str = PHONE) -> str:
    """Return the nonce of the latest notification of a request on a phone."""
    for data in reversed(sent(calls, phone)):
        if data["data"].get("tag") == tag and data["data"].get("actions"):
            return str(data["data"]["actions"][0]["action"]).rsplit("_", 1)[1]
    raise AssertionError(f"no notification with buttons for {tag} on {phone}")


async def tap(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    verb: str,
    request_id: str,
    *,
    reply_text: str | None = None,
    phone: str = PHONE,
    user_id: Any = OWNER,
    nonce: str | None = None,
    action: str | None = None,
) -> None:
    """Fire mobile_app_notification_action like the Companion app does.

    By default the owner of the phone taps the latest notification of the request.
    """
    if action is None:
        action = f"{PREFIX}{verb}_{nonce or nonce_of(calls, request_id, phone)}"
    data: dict[str, Any] = {"action": action}
    if reply_text is not None:
        data["reply_text"] = reply_text
    if user_id is OWNER:
        user_id = phone_owner(hass, phone)
    hass.bus.async_fire(
        "mobile_app_notification_action", data, context=Context(user_id=user_id)
    )
    await hass.async_block_till_done()


async def wait_calls(
    hass: HomeAssistant, calls: list[ServiceCall], count: int
) -> list[ServiceCall]:
    """Wait until count notify calls were made; return them."""
    await wait_for(hass, lambda: len(calls) >= count)
    assert len(calls) == count, [c.data for c in calls]
    return calls
