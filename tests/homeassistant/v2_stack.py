"""The OpenCode 2 stack for end-to-end Home Assistant tests.

Starts the OpenCode 2 stand-in (tests/opencode_v2.py through its driver's ``StandIn``:
no real OpenCode 2 can be installed here, the stand-in follows the GA contract), which
registers itself in ``$XDG_STATE_HOME/opencode/service.json``, then the real agent
(``OPENCODE_LOOKOUT_AGENT_BIN``) with no OpenCode flags at all, only
tests/agent_launch.json's arguments, in the same isolated HOME and XDG dirs: the agent
finds the service by its registration, as it does for users. The process helpers are
real_stack.py's.
"""

from dataclasses import dataclass, field
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile
from typing import Any

from real_stack import (
    REPO,
    THREADS,
    credentials,
    isolated_env,
    launch_agent,
    pairing_string,
)

sys.path.insert(0, str(REPO / "tests"))
from opencode_v2_driver import StandIn


@dataclass
class V2Stack:
    """The OpenCode 2 stand-in + the agent following it."""

    root: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="ocl-ha-v2-"))
    )
    standin: StandIn | None = None
    agent: subprocess.Popen | None = None
    api_port: int = 0
    token: str = ""
    server_id: str = ""
    fingerprint: str = ""

    @property
    def lookout(self) -> Path:
        """The agent's config (and data) directory."""
        return self.root / "lookout"

    @property
    def project(self) -> Path:
        """The directory the stand-in's sessions are in."""
        return self.root / "proj"

    def env(self) -> dict[str, str]:
        """Environment of both processes (the registration file is found through it)."""
        return isolated_env(self.root)

    def start(self) -> V2Stack:
        """Start the stand-in, then the agent; nothing is left running on failure."""
        try:
            self.project.mkdir(parents=True, exist_ok=True)
            # A short heartbeat, as the Rust tests use: a lost stream is noticed fast.
            self.standin = StandIn(args=["--heartbeat", "2"], env=self.env())
            self.agent, self.api_port = launch_agent(self.lookout, self.env())
            self.token, self.server_id, self.fingerprint = credentials(self.lookout)
            # The agent follows the service once it listens to its event stream.
            self.standin.wait_subscribers(1, timeout=20)
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def pairing(self) -> str:
        """Return the pairing string (what `opencode-lookout pair` prints)."""
        return pairing_string(self.api_port, self.fingerprint, self.token)

    def control(self, route: str, body: dict[str, Any] | None = None) -> Any:
        """Script the stand-in (``POST /__standin/<route>``); return its answer."""
        assert self.standin is not None
        return self.standin.control(route, body)

    def calls(self) -> list[dict[str, Any]]:
        """Return the contract requests the stand-in received that change something."""
        assert self.standin is not None
        calls: list[dict[str, Any]] = self.standin.calls()
        return calls

    def last_call(self, suffix: str) -> dict[str, Any] | None:
        """Return the last call to a path ending in ``suffix``, if any."""
        return next(
            (c for c in reversed(self.calls()) if c["path"].endswith(suffix)), None
        )

    def session(self, title: str, parent: str | None = None) -> str:
        """Create a session in the project directory; return its id."""
        body: dict[str, Any] = {"directory": str(self.project), "title": title}
        if parent is not None:
            body["parentID"] = parent
        session_id: str = self.control("session", body)["id"]
        return session_id

    def stop_standin(self) -> None:
        """Stop the service as its manager would (SIGTERM: it unregisters itself)."""
        assert self.standin is not None
        self.standin.stop()

    def stop(self) -> None:
        """Stop the agent and the stand-in; remove the temp tree."""
        if self.agent is not None:
            self.agent.kill()
            self.agent.wait(timeout=10)
            self.agent = None
        if self.standin is not None:
            self.standin.stop()
            self.standin = None
        while THREADS:
            THREADS.pop().join(10)
        shutil.rmtree(self.root, ignore_errors=True)
