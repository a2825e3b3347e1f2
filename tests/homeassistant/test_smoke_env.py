"""Smoke test: the Python 3.14 / Home Assistant 2026.10 test environment is usable."""

from pathlib import Path
import sys

from homeassistant.const import __version__ as HA_VERSION


def test_python_is_3_14_or_newer() -> None:
    assert sys.version_info >= (3, 14), sys.version


def test_homeassistant_is_2026_10() -> None:
    assert HA_VERSION.startswith("2026.10"), HA_VERSION


async def test_hass_fixture_starts(hass) -> None:
    """The plugin's hass fixture boots a core instance (asyncio_mode=auto works)."""
    assert hass.is_running


def test_repo_root_is_on_sys_path() -> None:
    """pytest.ini's pythonpath makes `custom_components.opencode_lookout` importable."""
    repo_root = Path(__file__).resolve().parents[2]
    assert repo_root in {Path(p).resolve() for p in sys.path if p}
