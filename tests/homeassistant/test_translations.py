"""Every translation key used by the code exists; strings.json == en.json."""

import json
from pathlib import Path
import re

import yaml

from custom_components.opencode_lookout import (
    binary_sensor,
    button,
    config_flow,
    event,
    sensor,
)
from custom_components.opencode_lookout.const import (
    CONF_NOTIFY,
    CONF_NOTIFY_TARGETS,
    NOTIFY_DEFAULTS,
)

COMPONENT = Path(__file__).parents[2] / "custom_components" / "opencode_lookout"
STRINGS = json.loads((COMPONENT / "strings.json").read_text())


def test_strings_equal_english() -> None:
    """translations/en.json is a copy of strings.json."""
    english = json.loads((COMPONENT / "translations" / "en.json").read_text())
    assert english == STRINGS


def test_entity_translation_keys() -> None:
    """Every entity description has a name, states and an icon where needed."""
    icons = json.loads((COMPONENT / "icons.json").read_text())["entity"]
    descriptions = {
        "sensor": [
            *sensor.MACHINE_SENSORS,
            sensor.OPENCODE_VERSIONS,
            *sensor.SESSION_SENSORS,
        ],
        "binary_sensor": [
            binary_sensor.CONNECTED,
            *binary_sensor.SESSION_BINARY_SENSORS,
        ],
        "button": list(button.SESSION_BUTTONS),
        "event": [event.SESSION_EVENT],
    }
    for platform, items in descriptions.items():
        for description in items:
            key = description.translation_key
            assert "name" in STRINGS["entity"][platform][key], key
            if getattr(description, "options", None):
                assert set(STRINGS["entity"][platform][key]["state"]) == set(
                    description.options
                )
            if description.device_class is None and key != "connected":
                assert key in icons[platform], key
    event_states = STRINGS["entity"]["event"]["activity"]["state_attributes"]
    assert set(event_states["event_type"]["state"]) == set(
        event.SESSION_EVENT.event_types or ()
    )


def test_exception_and_error_keys() -> None:
    """Every exception translation key and flow error used in code exists."""
    everything = "\n".join(p.read_text() for p in COMPONENT.rglob("*.py"))
    source = "\n".join(
        p.read_text()
        for p in COMPONENT.rglob("*.py")
        if p.name not in ("config_flow.py", "options_flow.py")
        and "client" not in p.parts
    )
    for key in STRINGS["exceptions"]:
        assert f'"{key}"' in everything, key
    for key in (
        "cannot_connect",
        "invalid_auth",
        "incompatible_schema",
        "unknown",
        "already_configured",
        "invalid_discovery_info",
        "wrong_agent",
    ):
        assert key in {**STRINGS["config"]["error"], **STRINGS["config"]["abort"]}
    keys = set(
        re.findall(r'translation_domain=DOMAIN,\s*translation_key="(\w+)"', source)
    ) | set(re.findall(r'self\.translation_key = "(\w+)"', source))
    assert {"steer_not_allowed", "legacy_plaintext", "rate_limited"} <= keys
    for key in keys:
        assert key in STRINGS["exceptions"] or key in STRINGS["issues"], key
    for step in ("user", "zeroconf_confirm", "reauth_confirm", "reconfigure"):
        assert step in STRINGS["config"]["step"]
    assert "init" in STRINGS["options"]["step"]
    assert config_flow.OpenCodeLookoutConfigFlow.VERSION == 1


def test_services_documented() -> None:
    """Every action and field in services.yaml has a name and description."""
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text())
    icons = json.loads((COMPONENT / "icons.json").read_text())["services"]
    for service, spec in services.items():
        assert service in icons
        strings = STRINGS["services"][service]
        assert strings["name"]
        assert strings["description"]
        for field in spec["fields"]:
            assert strings["fields"][field]["name"], (service, field)
            assert strings["fields"][field]["description"], (service, field)


def test_notification_texts_and_options() -> None:
    """Notification texts used in code exist; every option field is described."""
    source = "\n".join(p.read_text() for p in (COMPONENT / "notify").glob("*.py"))
    used = set(re.findall(r'texts\(\s*"(\w+)"', source))
    assert used
    assert used <= set(STRINGS["common"]), used - set(STRINGS["common"])
    notify = STRINGS["options"]["step"]["init"]["sections"][CONF_NOTIFY]
    fields = {CONF_NOTIFY_TARGETS, *NOTIFY_DEFAULTS}
    assert set(notify["data"]) == fields
    assert set(notify["data_description"]) == fields
    assert notify["name"]
    assert "unknown_notify_service" in STRINGS["options"]["error"]
