"""What a new user follows: the repository URL, HACS, the blueprints' import links."""

import json
from pathlib import Path
from urllib.parse import quote

import yaml

ROOT = Path(__file__).parents[2]
MANIFEST = json.loads(
    (ROOT / "custom_components/opencode_lookout/manifest.json").read_text()
)
REPO = MANIFEST["issue_tracker"].removesuffix("/issues")
BLUEPRINTS = sorted((ROOT / "blueprints/automation/opencode_lookout").glob("*.yaml"))
IMPORT = "https://my.home-assistant.io/redirect/blueprint_import/?blueprint_url="


def test_clone_and_hacs_urls() -> None:
    """Both install guides clone the repository before installing, and name it for HACS."""
    for doc in (ROOT / "README.md", ROOT / "docs/home-assistant.md"):
        text = doc.read_text()
        clone = text.index(f"git clone {REPO}\n")
        assert clone < text.index("cargo install --path . --locked", clone), doc
        assert f"paste\n`{REPO}`" in text or f"paste `{REPO}`" in text, doc


def test_manifest_documentation_is_the_home_assistant_guide() -> None:
    """The integration's documentation link opens docs/home-assistant.md."""
    assert MANIFEST["documentation"] == f"{REPO}/blob/main/docs/home-assistant.md"


def test_blueprints_are_importable_from_the_guide() -> None:
    """Each blueprint's source_url is its path here; the guide has its import link."""
    guide = (ROOT / "docs/home-assistant.md").read_text()
    assert len(BLUEPRINTS) == 3
    for path in BLUEPRINTS:
        loader = type("Loader", (yaml.SafeLoader,), {})
        loader.add_constructor("!input", lambda _loader, node: node.value)
        source = yaml.load(path.read_text(), Loader=loader)["blueprint"]["source_url"]
        assert source == f"{REPO}/blob/main/{path.relative_to(ROOT)}"
        assert f"]({IMPORT}{quote(source, safe='')})" in guide, path.name
