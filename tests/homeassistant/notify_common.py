"""Helpers of the phone notification tests: fake mobile app notify actions."""

from __future__ import annotations

from typing import Any

from common import wait_for
from fake_agent import ROOT_ID, SERVER_ID, FakeAgent
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.const import CONF_NOTIFY_TARGETS, DOMAIN
from homeassistant.core import Context, HomeAssistant, ServiceCall, callback
from homeassistant.helpers import device_registry as dr

PHONE = "notify.mobile_app_test"
OTHER = "notify.mobile_app_other"
TARGETS = [PHONE, OTHER]
ACTION = f"OPENCODE_LOOKOUT:{SERVER_ID}"


def mock_notify(hass: HomeAssistant) -> list[ServiceCall]:
    """Register notify.mobile_app_test and notify.mobile_app_other; log calls."""
    calls: list[ServiceCall] = []

    @callback
    def log(call: ServiceCall) -> None:
        calls.append(call)

    for target in TARGETS:
        hass.services.async_register("notify", target.removeprefix("notify."), log)
    return calls


async def async_setup_notify(
    hass: HomeAssistant, entry: MockConfigEntry, options: dict[str, Any]
) -> None:
    """Set up the entry with notifications to both phones (plus options)."""
    entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        entry, options={CONF_NOTIFY_TARGETS: TARGETS, **options}
    )
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def request_permissions(agent: FakeAgent, *permissions: dict[str, Any]) -> None:
    """Make the root session wait for permissions, like the agent reports it."""
    await agent.update_session(
        state="waiting_permission",
        permission=permissions[0],
        pending_permissions=list(permissions),
    )
    for permission in permissions:
        await agent.push(
            "permission_requested",
            session_id=permission["session_id"],
            root_session_id=ROOT_ID,
            permission=permission,
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


async def tap(
    hass: HomeAssistant,
    verb: str,
    request_id: str,
    *,
    reply_text: str | None = None,
    prefix: str = ACTION,
    user_id: str | None = None,
) -> None:
    """Fire mobile_app_notification_action like the Companion app does."""
    data: dict[str, Any] = {"action": f"{prefix}:{verb}:{request_id}"}
    if reply_text is not None:
        data["reply_text"] = reply_text
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


def session_device_id(hass: HomeAssistant, entry: MockConfigEntry, sid: str) -> str:
    """Return the device id of a session."""
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"{entry.unique_id}_{sid}"), entry.entry_id
    )
    assert device is not None
    return device.id
