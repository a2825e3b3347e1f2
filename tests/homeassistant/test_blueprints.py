"""The blueprints in blueprints/automation/opencode_lookout load and work."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
import shutil
from types import SimpleNamespace
from typing import Any
from unittest.mock import AsyncMock, patch

import probatio
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from homeassistant.components.automation.config import (
    AUTOMATION_BLUEPRINT_SCHEMA,
    async_validate_config_item,
)
from homeassistant.components.blueprint import Blueprint, BlueprintInputs
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    template,
)
from homeassistant.setup import async_setup_component
from homeassistant.util import yaml as yaml_util

FOLDER = Path(__file__).parents[2] / "blueprints" / "automation" / "opencode_lookout"
NAMES = ["busy_light", "notify_session_finished", "permission_notification"]
BLUEPRINTS = [FOLDER / f"{name}.yaml" for name in NAMES]
WORKING = "sensor.devbox_sessions_working"
WAITING = "sensor.devbox_sessions_waiting"
LIGHT = {"entity_id": "light.desk"}
EVENT = "opencode_lookout_event"

# mobile_app cannot be imported in this test environment (it needs hassil and
# PyTurboJPEG), so its device action is stood in for: the same ACTION_SCHEMA as
# homeassistant/components/mobile_app/device_action.py, and a call that renders the
# templates the same way and calls notify.mobile_app_phone.
MOBILE_APP_ACTION_SCHEMA = cv.DEVICE_ACTION_BASE_SCHEMA.extend(
    {
        probatio.Required("type"): "notify",
        probatio.Required("message"): cv.template,
        probatio.Optional("title"): cv.template,
        probatio.Optional("data"): cv.template_complex,
    }
)


async def _mobile_app_notify(
    hass: HomeAssistant,
    config: dict[str, Any],
    variables: dict[str, Any],
    context: Context | None,
) -> None:
    """Render and send like the mobile_app device action."""
    data = {
        key: template.render_complex(config[key], variables)
        for key in ("message", "title", "data")
        if key in config
    }
    await hass.services.async_call(
        "notify", "mobile_app_phone", data, blocking=True, context=context
    )


@pytest.fixture(autouse=True)
def mobile_app_actions() -> Iterator[None]:
    """Serve the stand-in of mobile_app's device action platform."""
    platform = SimpleNamespace(
        ACTION_SCHEMA=MOBILE_APP_ACTION_SCHEMA,
        async_call_action_from_config=_mobile_app_notify,
    )
    lookup = AsyncMock(return_value=platform)
    with (
        patch(
            "homeassistant.components.device_automation.helpers."
            "async_get_device_automation_platform",
            lookup,
        ),
        patch(
            "homeassistant.components.device_automation.action."
            "async_get_device_automation_platform",
            lookup,
        ),
    ):
        yield


def _phone(hass: HomeAssistant) -> str:
    """Register a mobile app device; return its id."""
    entry = MockConfigEntry(domain="mobile_app")
    entry.add_to_hass(hass)
    ident = {("mobile_app", "phone")}
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, identifiers=ident
    )
    return device.id


def _inputs(hass: HomeAssistant, name: str) -> dict[str, Any]:
    """Return what a user enters for each blueprint (the rest are defaults)."""
    if name == "busy_light.yaml":
        return {
            "light": LIGHT,
            "working_sensors": [WORKING],
            "waiting_sensors": [WAITING],
        }
    return {"notify_device": _phone(hass)}


def _templates(value: Any) -> Iterator[str]:
    """Yield every string of a config that contains a template."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _templates(item)
    elif isinstance(value, list):
        for item in value:
            yield from _templates(item)
    elif isinstance(value, str) and ("{{" in value or "{%" in value):
        yield value


@pytest.mark.parametrize("path", BLUEPRINTS, ids=lambda p: p.name)
async def test_blueprint_valid(hass: HomeAssistant, path: Path) -> None:
    """Schema, !input references, inputs and the generated automation are valid."""
    assert sorted(FOLDER.glob("*.yaml")) == BLUEPRINTS  # all of them are tested
    blueprint = Blueprint(
        yaml_util.load_yaml_dict(path),
        path=path.name,
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )  # raises on a schema error or an !input without a definition
    assert blueprint.validate() is None  # min_version is met
    assert yaml_util.extract_inputs(blueprint.data) == set(blueprint.inputs)
    inputs = BlueprintInputs(
        blueprint,
        {
            "use_blueprint": {
                "path": f"opencode_lookout/{path.name}",
                "input": _inputs(hass, path.name),
            }
        },
    )
    inputs.validate()
    config = inputs.async_substitute()
    validated = await async_validate_config_item(hass, path.name, config)
    assert validated is not None
    assert validated.validation_status == "ok", validated.validation_error
    for text in _templates(config):
        template.Template(text, hass).ensure_valid()


async def _automation(hass: HomeAssistant, tmp_path: Path, name: str, **inputs: Any):
    """Set up an automation from one of the blueprints."""
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints" / "automation" / "opencode_lookout"
    shutil.copytree(FOLDER, target, dirs_exist_ok=True)
    use = {"path": f"opencode_lookout/{name}", "input": inputs}
    assert await async_setup_component(
        hass, "automation", {"automation": [{"use_blueprint": use}]}
    )
    await hass.async_block_till_done()


async def test_busy_light(hass: HomeAssistant, tmp_path: Path) -> None:
    """The light follows waiting > error > working > idle."""
    turn_on = async_mock_service(hass, "light", "turn_on")
    turn_off = async_mock_service(hass, "light", "turn_off")
    hass.states.async_set(WORKING, "0")
    hass.states.async_set(WAITING, "0")
    await _automation(
        hass,
        tmp_path,
        "busy_light.yaml",
        light=LIGHT,
        working_sensors=[WORKING],
        waiting_sensors=[WAITING],
        working_color=[0, 0, 255],
    )

    async def colour_after(**states: str) -> list[int]:
        for entity_id, state in states.items():
            hass.states.async_set(entity_id, state)
        await hass.async_block_till_done()
        assert turn_on[-1].data["entity_id"] == ["light.desk"]
        assert turn_on[-1].data["brightness_pct"] == 80
        return turn_on[-1].data["rgb_color"]

    assert await colour_after(**{WORKING: "2"}) == [0, 0, 255]
    assert await colour_after(**{WAITING: "1"}) == [160, 32, 240]
    assert await colour_after(**{WAITING: "0", WORKING: "1"}) == [0, 0, 255]
    hass.bus.async_fire(EVENT, {"type": "error"})
    assert await colour_after() == [255, 0, 0]
    assert turn_off == []
    hass.states.async_set(WORKING, "0")
    await hass.async_block_till_done()
    assert turn_off[-1].data["entity_id"] == ["light.desk"]


async def test_notify_session_finished(hass: HomeAssistant, tmp_path: Path) -> None:
    """Only runs of at least the minimum time notify; errors say what failed."""
    calls = async_mock_service(hass, "notify", "mobile_app_phone")
    await _automation(
        hass, tmp_path, "notify_session_finished.yaml", notify_device=_phone(hass)
    )
    for details in (
        {"type": "completed", "duration": 20},
        {"type": "completed", "duration": 125},
        {"type": "error", "duration": 3720, "name": "APIError", "message": "boom"},
        {"type": "permission_requested"},
    ):
        hass.bus.async_fire(
            EVENT, {"device_id": None, "session_id": "ses_1", **details}
        )
        await hass.async_block_till_done()
    assert [(c.data["title"], c.data["message"]) for c in calls] == [
        ("OpenCode · ses_1", "Finished after 2 min 5 s."),
        ("OpenCode · ses_1", "Stopped with an error after 1 h 2 min: APIError boom"),
    ]
    assert calls[0].data["data"] == {"tag": "ses_1_status"}


async def test_permission_notification(hass: HomeAssistant, tmp_path: Path) -> None:
    """A tap answers the permission through the action; resolved clears it."""
    calls = async_mock_service(hass, "notify", "mobile_app_phone")
    replies = async_mock_service(hass, "opencode_lookout", "reply_permission")
    await _automation(
        hass, tmp_path, "permission_notification.yaml", notify_device=_phone(hass)
    )

    async def until(predicate: Any) -> None:
        # Not async_block_till_done: the runs waiting for a tap never finish.
        async with asyncio.timeout(5):
            while not predicate():
                await asyncio.sleep(0.01)

    async def request(permission_id: str) -> None:
        count = len(calls)
        hass.bus.async_fire(
            EVENT,
            {
                "type": "permission_requested",
                "device_id": "dev_1",
                "session_id": "ses_1",
                "permission_id": permission_id,
                "title": "bash: rm -rf build && make",
                "patterns": ["rm -rf build", "make"],
                "always": ["rm *", "make *"],
            },
        )
        await until(lambda: len(calls) > count)

    async def tap(
        action: str, user_id: str | None = "phone-owner", **data: str
    ) -> None:
        hass.bus.async_fire(
            "mobile_app_notification_action",
            {"action": action, **data},
            context=Context(user_id=user_id),
        )
        for _ in range(20):
            await asyncio.sleep(0)

    def actions(index: int) -> dict[str, str]:
        """Return the action ids of one notification by verb."""
        ids = [a["action"] for a in calls[index].data["data"]["actions"]]
        return {i.split("_")[2]: i for i in ids}

    await request("per_1")
    sent = calls[0].data
    assert sent["message"] == "bash: rm -rf build && make\nrm -rf build, make"
    assert sent["data"]["tag"] == "per_1"
    first = actions(0)
    assert list(first) == ["ONCE", "ALWAYS", "REJECT"]
    # A random nonce, not the (public) permission id, names the buttons.
    nonce = first["ONCE"].removeprefix("OCL_BP_ONCE_")
    assert len(nonce) == 26
    assert "per_1" not in nonce
    assert [a["title"] for a in sent["data"]["actions"]] == [
        "Approve",
        "Always: rm *, make *",
        "Reject",
    ]
    await request("per_2")
    await request("per_3")
    second, third = actions(1), actions(2)
    assert second["ONCE"] != first["ONCE"]
    # Attack: ids built from the permission id, and a tap without a user, do nothing.
    await tap("OCL_BP_ONCE_per_1")
    await tap(third["ONCE"], user_id=None)
    await tap(first["REJECT"], reply_text="use make clean")
    await tap(second["ALWAYS"])
    await tap(first["ONCE"])  # that run is over: nothing happens
    await until(lambda: len(replies) >= 2)
    assert [dict(c.data) for c in replies] == [
        {
            "device_id": "dev_1",
            "permission_id": "per_1",
            "reply": "reject",
            "message": "use make clean",
        },
        {"device_id": "dev_1", "permission_id": "per_2", "reply": "always"},
    ]
    hass.bus.async_fire(
        EVENT, {"type": "permission_resolved", "permission_id": "per_1", "by": "api"}
    )
    await until(lambda: len(calls) == 4)
    clear = {"message": "clear_notification", "data": {"tag": "per_1"}}
    assert calls[-1].data == clear
