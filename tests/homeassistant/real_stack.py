"""The real stack for end-to-end Home Assistant tests.

Starts the project's fake LLM, the real OpenCode (``OPENCODE_BIN``, pinned, installed by
scripts/setup-opencode) with the Lookout plugin installed, and the real agent binary
(``OPENCODE_LOOKOUT_AGENT_BIN``, built by cargo), all on loopback with isolated state.
Missing binaries are an error, never a skip: scripts/test provides both.
"""

from dataclasses import dataclass, field
import hashlib
import json
import os
from pathlib import Path
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

REPO = Path(__file__).resolve().parents[2]
SETUP = json.loads((REPO / "tests/opencode_project.json").read_text())
OFFLINE: dict[str, str] = SETUP["env"]
# The one place that spells the agent's launch flags (the Rust tests read it too).
LAUNCH = REPO / "tests/agent_launch.json"


def agent_args(
    config_dir: Path, port: int = 0, *, default_coalesce: bool = False
) -> list[str]:
    """Return the agent's arguments from tests/agent_launch.json, placeholders filled.

    ``default_coalesce`` drops the launch file's short ``--coalesce-ms`` so the agent
    coalesces as it does for users (the noise budgets are about that).
    """
    args: list[str] = json.loads(LAUNCH.read_text())
    if default_coalesce and "--coalesce-ms" in args:
        at = args.index("--coalesce-ms")
        del args[at : at + 2]
    values = {"{config_dir}": str(config_dir), "{port}": str(port)}
    filled = []
    for arg in args:
        for name, value in values.items():
            arg = arg.replace(name, value)
        filled.append(arg)
    return filled


def fingerprint(cert_pem: Path) -> str:
    """Return the agent's identity: SHA-256 over its DER certificate (hex)."""
    der = ssl.PEM_cert_to_DER_cert(cert_pem.read_text())
    return hashlib.sha256(der).hexdigest()


def opencode_config(llm_port: int) -> str:
    """Return the opencode.json text pointing OpenCode at the fake LLM."""
    return json.dumps(SETUP["config"]).replace("{LLM_PORT}", str(llm_port))


# Output pumps of running processes; HA's test harness fails on lingering threads.
THREADS: list[threading.Thread] = []


def _binary(var: str, hint: str) -> str:
    """Return the path in an environment variable, failing loudly when missing."""
    path = os.environ.get(var)
    if not path or not Path(path).exists():
        raise RuntimeError(f"{var} is not set or missing ({path!r}); {hint}")
    return path


def _spawn(cmd: list[str], env: dict[str, str], cwd: Path, marker: str, timeout: float):
    """Start a process and wait for a stdout line containing ``marker``."""
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    found: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if not found and marker in line:
                found.append(line.strip())
                ready.set()

    # Keeps draining stdout so the process never blocks on a full pipe; joined in stop().
    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    if not ready.wait(timeout):
        proc.kill()
        proc.wait()
        thread.join(5)
        raise RuntimeError(f"{cmd[0]} did not print {marker!r} within {timeout} s")
    THREADS.append(thread)
    return proc, found[0]


def isolated_env(root: Path) -> dict[str, str]:
    """Return this process's environment with HOME and the XDG dirs under ``root``."""
    env = {k: v for k, v in os.environ.items() if k != "OPENCODE_SERVER_PASSWORD"}
    for name in ("home", "data", "config", "cache", "state"):
        (root / name).mkdir(parents=True, exist_ok=True)
    env.update(
        HOME=str(root / "home"),
        XDG_DATA_HOME=str(root / "data"),
        XDG_CONFIG_HOME=str(root / "config"),
        XDG_CACHE_HOME=str(root / "cache"),
        XDG_STATE_HOME=str(root / "state"),
    )
    return env


def launch_agent(
    lookout: Path, env: dict[str, str], port: int = 0, *, default_coalesce: bool = False
) -> tuple[subprocess.Popen, int]:
    """Start the real agent with the launch file's arguments; return it and its API port."""
    binary = _binary("OPENCODE_LOOKOUT_AGENT_BIN", "run the tests through scripts/test")
    args = agent_args(lookout, port, default_coalesce=default_coalesce)
    proc, line = _spawn([binary, *args], env, REPO, "opencode-lookout listening", 20)
    api = next(w for w in line.split() if w.startswith("api="))
    return proc, int(api.rsplit(":", 1)[1])


def credentials(lookout: Path) -> tuple[str, str, str]:
    """Return the agent's token, server id and certificate fingerprint (its files)."""
    token = (lookout / "token").read_text().strip()
    server_id = (lookout / "server_id").read_text().strip()
    return token, server_id, fingerprint(lookout / "tls.crt")


def pairing_string(port: int, cert_fingerprint: str, token: str) -> str:
    """Return the pairing string (what `opencode-lookout pair` prints)."""
    return f"lookout1:{port}:{cert_fingerprint}:{token}"


@dataclass
class RealStack:
    """Fake LLM + OpenCode serve with the plugin + the agent."""

    root: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="ocl-ha-e2e-"))
    )
    procs: list[subprocess.Popen] = field(default_factory=list)
    api_port: int = 0
    opencode_url: str = ""
    token: str = ""
    server_id: str = ""
    fingerprint: str = ""
    llm_port: int = 0
    # True: the agent coalesces with its own default interval (see agent_args).
    default_coalesce: bool = False
    agent: subprocess.Popen | None = None

    @property
    def project(self) -> Path:
        """The OpenCode project directory."""
        return self.root / "proj"

    def env(self) -> dict[str, str]:
        """Environment of every process of the stack."""
        return isolated_env(self.root) | OFFLINE

    def start(self) -> RealStack:
        """Start everything; returns self (nothing is left running on failure)."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> RealStack:
        """Start the fake LLM, the agent and OpenCode in that order."""
        agent = _binary(
            "OPENCODE_LOOKOUT_AGENT_BIN", "run the tests through scripts/test"
        )
        opencode = _binary("OPENCODE_BIN", "run the tests through scripts/test")
        env = self.env()
        llm, line = _spawn(
            [sys.executable, str(REPO / "tests/fake_llm.py"), "--port", "0"],
            env,
            REPO,
            "listening on",
            15,
        )
        self.procs.append(llm)
        llm_port = self.llm_port = int(line.rsplit(":", 1)[1])
        self.project.mkdir(parents=True, exist_ok=True)
        (self.project / "opencode.json").write_text(opencode_config(llm_port))
        lookout = self.lookout
        subprocess.run(
            [agent, "--config-dir", str(lookout), "install-plugin"],
            env=env,
            check=True,
            capture_output=True,
        )
        self.start_agent()
        self.token, self.server_id, self.fingerprint = credentials(lookout)
        proc, line = _spawn(
            [opencode, "serve", "--hostname", "127.0.0.1", "--port", "0"],
            env,
            self.project,
            "listening on",
            60,
        )
        self.procs.append(proc)
        self.opencode_url = next(
            w for w in line.split() if w.startswith("http://")
        ).rstrip("/")
        return self

    @property
    def lookout(self) -> Path:
        """The agent's config (and data) directory."""
        return self.root / "lookout"

    def start_agent(self) -> None:
        """Start the agent; again on the same API port after stop_agent()."""
        proc, self.api_port = launch_agent(
            self.lookout,
            self.env(),
            self.api_port,
            default_coalesce=self.default_coalesce,
        )
        self.agent = proc
        self.procs.append(proc)

    def stop_agent(self) -> None:
        """Stop the agent the way a service manager does (SIGTERM), then wait."""
        proc = self.agent
        assert proc is not None
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        self.procs.remove(proc)
        self.agent = None

    def rotate(self) -> str:
        """Run `opencode-lookout rotate` as a user would; return what it printed."""
        binary = _binary(
            "OPENCODE_LOOKOUT_AGENT_BIN", "run the tests through scripts/test"
        )
        done = subprocess.run(
            [binary, "--config-dir", str(self.lookout), "rotate"],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        self.token = (self.lookout / "token").read_text().strip()
        self.fingerprint = fingerprint(self.lookout / "tls.crt")
        return done.stdout

    @property
    def pairing(self) -> str:
        """Return the pairing string (what `opencode-lookout pair` prints)."""
        return pairing_string(self.api_port, self.fingerprint, self.token)

    def request(
        self, method: str, path: str, body: dict | None = None, timeout: float = 30
    ):
        """Call OpenCode's REST API (as a user's TUI would act)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.opencode_url + path,
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        # A freshly started OpenCode sometimes resets its first connections: retry those.
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(req, timeout=timeout) as resp:
                    raw = resp.read()
                break
            except urllib.error.HTTPError:
                raise
            except ConnectionError, urllib.error.URLError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        return json.loads(raw) if raw else None

    def new_session(self, timeout: float = 120) -> str:
        """Create an OpenCode session (this boots the instance and so the plugin)."""
        # The first one boots OpenCode's instance: slow on a loaded machine.
        return self.request("POST", "/session", {}, timeout=timeout)["id"]

    def prompt(self, session_id: str, text: str) -> None:
        """Send a prompt without waiting."""
        self.request(
            "POST",
            f"/session/{session_id}/prompt_async",
            {"parts": [{"type": "text", "text": text}]},
        )

    def llm_saw(self, text: str) -> bool:
        """Return whether any request to the fake LLM contained ``text``."""
        url = f"http://127.0.0.1:{self.llm_port}/_requests"
        with urllib.request.urlopen(url, timeout=10) as resp:
            return text in resp.read().decode()

    def wait_file(self, name: str, timeout: float = 30) -> bool:
        """Wait (blocking) for a file in the project."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (self.project / name).exists():
                return True
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        """Stop everything and remove the temp tree."""
        for proc in reversed(self.procs):
            proc.kill()
            proc.wait(timeout=10)
        self.procs.clear()
        while THREADS:
            THREADS.pop().join(10)
        shutil.rmtree(self.root, ignore_errors=True)
