#!/usr/bin/env python3
"""Record /global/event fixtures from a real OpenCode server driven by tests/fake_llm.py.

Usage:
    python3 tests/record_fixtures.py [--opencode PATH] [--out tests/fixtures] [--only NAME ...]

PATH defaults to $OPENCODE_BIN, else to the last line printed by scripts/setup-opencode.

Each scenario runs against a fresh ``opencode serve --port 0 --hostname 127.0.0.1`` (so an
"always" approval of one scenario cannot leak into the next), with HOME and XDG_* in one temp
dir shared by all scenarios (so the session list grows realistically) and the offline env
vars set. The instance is booted with a GET before the capture starts, which keeps the boot
noise (plugin.added bursts) out of the files. The capture is ``curl -N /global/event``; every
``data:`` line is written verbatim, one per line, to ``<out>/<scenario>.jsonl``. Nothing is
dropped (``sync`` events included). REST snapshots for resync tests go to ``<out>/rest/``,
taken while the sub-agent's permission is pending.

Stdlib only, Python 3.11+. Only loopback traffic.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
import json
import os
from pathlib import Path
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any
import urllib.error
import urllib.request

REPO = Path(__file__).resolve().parent.parent
SETUP = json.loads((REPO / "tests/opencode_project.json").read_text())
OFFLINE_ENV: dict[str, str] = SETUP["env"]


def opencode_config(llm_port: int) -> str:
    """Return the opencode.json text pointing OpenCode at the fake LLM."""
    return json.dumps(SETUP["config"]).replace("{LLM_PORT}", str(llm_port))


Json = Any
Event = dict[str, Any]


def log(msg: str) -> None:
    """Print a progress line on stderr."""
    print(f"[record] {msg}", file=sys.stderr, flush=True)


def start_with_banner(
    cmd: list[str], pattern: str, timeout: float, **kwargs: Any
) -> tuple[subprocess.Popen[str], str]:
    """Start ``cmd`` and wait for a stdout line matching ``pattern``; return the process and group 1."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, text=True, start_new_session=True, **kwargs
    )
    found: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert proc.stdout is not None  # stdout=PIPE above
        for line in proc.stdout:
            m = re.search(pattern, line)
            if m and not found:
                found.append(m.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    if not ready.wait(timeout) or not found:
        stop(proc)
        raise RuntimeError(
            f"{cmd[0]} did not print its listening line within {timeout}s"
        )
    return proc, found[0]


def stop(proc: subprocess.Popen[Any], grace: float = 10.0) -> None:
    """Terminate the process group we started, then kill it if it lingers."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)
    except ProcessLookupError:
        pass


class Api:
    """Tiny JSON client for one OpenCode server."""

    def __init__(self, base: str) -> None:
        """Remember the base URL (``http://127.0.0.1:PORT``)."""
        self.base = base

    def call(self, method: str, path: str, body: Json = None) -> tuple[int, Json]:
        """Send one request; return the status and the parsed JSON body (None when empty)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("content-type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def ok(self, method: str, path: str, body: Json = None) -> Json:
        """Like ``call`` but raise unless the status is 2xx."""
        status, data = self.call(method, path, body)
        if not 200 <= status < 300:
            raise RuntimeError(f"{method} {path} -> {status}: {data}")
        return data

    def new_session(self) -> str:
        """Create a session and return its id."""
        return self.ok("POST", "/session", {})["id"]

    def prompt(self, sid: str, text: str) -> None:
        """Send a prompt asynchronously."""
        self.ok(
            "POST",
            f"/session/{sid}/prompt_async",
            {"parts": [{"type": "text", "text": text}]},
        )


class Capture:
    """``curl -N`` on /global/event into a raw file, with helpers to wait for events."""

    def __init__(self, base: str, raw_path: Path) -> None:
        """Start curl and wait for ``server.connected``."""
        self.raw_path = raw_path
        self.file = raw_path.open("wb")
        self.proc = subprocess.Popen(
            ["curl", "-sN", "--no-buffer", f"{base}/global/event"],
            stdout=self.file,
            start_new_session=True,
        )
        self.events: list[Event] = []
        self.lines: list[str] = []
        self._offset = 0
        self.cursor = 0  # waits scan from just after the previous match
        self.wait(lambda e: e["type"] == "server.connected", 10)

    def _poll(self) -> None:
        """Parse any new complete ``data:`` lines from the raw file."""
        with self.raw_path.open("rb") as f:
            f.seek(self._offset)
            chunk = f.read()
        end = chunk.rfind(b"\n")
        if end < 0:
            return
        self._offset += end + 1
        for raw in chunk[: end + 1].decode("utf-8").splitlines():
            if raw.startswith("data:"):
                text = raw[5:].removeprefix(" ")
                self.lines.append(text)
                obj = json.loads(text)
                self.events.append(obj.get("payload", obj))

    def wait(
        self,
        pred: Callable[[Event], bool],
        timeout: float = 30,
        start: int | None = None,
    ) -> Event:
        """Wait for an event matching ``pred`` at index >= ``start`` (default: after the last match)."""
        self._poll()
        i = self.cursor if start is None else start
        deadline = time.monotonic() + timeout
        while True:
            while i < len(self.events):
                ev = self.events[i]
                i += 1
                if pred(ev):
                    self.cursor = i
                    return ev
            if time.monotonic() > deadline:
                raise TimeoutError("timed out waiting for an event")
            time.sleep(0.05)
            self._poll()

    def mark(self) -> int:
        """Return the current event count, to wait only for later events."""
        self._poll()
        return len(self.events)

    def finish(self, out: Path, settle: float = 1.0) -> None:
        """Let trailing events arrive, stop curl and write the JSON Lines fixture."""
        time.sleep(settle)
        self._poll()
        stop(self.proc, 3)
        self.file.close()
        self._poll()
        out.write_text("".join(line + "\n" for line in self.lines))
        log(f"wrote {out.name}: {len(self.lines)} events, {out.stat().st_size} bytes")


def is_busy(sid: str) -> Callable[[Event], bool]:
    """Predicate: ``session.status`` busy for ``sid``."""

    def pred(ev: Event) -> bool:
        props = ev.get("properties") or {}
        busy = (props.get("status") or {}).get("type") == "busy"
        return (
            ev.get("type") == "session.status"
            and props.get("sessionID") == sid
            and busy
        )

    return pred


def is_type(kind: str, sid: str | None = None) -> Callable[[Event], bool]:
    """Predicate: event of type ``kind`` (for session ``sid`` when given)."""

    def pred(ev: Event) -> bool:
        props = ev.get("properties") or {}
        return ev.get("type") == kind and (sid is None or props.get("sessionID") == sid)

    return pred


class Recorder:
    """Runs the scenarios; owns the temp dirs, the fake LLM and one server per scenario."""

    def __init__(self, opencode: str, out: Path) -> None:
        """Prepare the temp root, the fake LLM and the project."""
        self.opencode = opencode
        self.out = out
        self.root = Path(tempfile.mkdtemp(prefix="oc-lookout-rec-"))
        self.env = dict(os.environ)
        for key in (
            "HOME",
            "XDG_DATA_HOME",
            "XDG_CONFIG_HOME",
            "XDG_CACHE_HOME",
            "XDG_STATE_HOME",
        ):
            d = self.root / key.lower()
            d.mkdir()
            self.env[key] = str(d)
        self.env.update(OFFLINE_ENV)
        self.env.pop("OPENCODE_SERVER_PASSWORD", None)
        self.fake, port = start_with_banner(
            [sys.executable, str(REPO / "tests" / "fake_llm.py"), "--port", "0"],
            r"listening on http://127\.0\.0\.1:(\d+)",
            10,
        )
        self.fake_api = Api(f"http://127.0.0.1:{port}")
        self.project = self.root / "proj"
        self.project.mkdir()
        git = ["git", "-c", "user.name=rec", "-c", "user.email=rec@example.invalid"]
        subprocess.run([*git, "init", "-q"], cwd=self.project, check=True, env=self.env)
        subprocess.run(
            [*git, "commit", "-q", "--allow-empty", "-m", "init"],
            cwd=self.project,
            check=True,
            env=self.env,
        )
        (self.project / "opencode.json").write_text(opencode_config(port))
        self.server: subprocess.Popen[str] | None = None
        self.api = Api("")

    def start_server(self) -> None:
        """Start a fresh server in the project and boot its instance."""
        self.server, url = start_with_banner(
            [self.opencode, "serve", "--port", "0", "--hostname", "127.0.0.1"],
            r"listening on (http://\S+)",
            60,
            cwd=self.project,
            env=self.env,
            stderr=(self.root / "serve.err").open("ab"),
        )
        self.api = Api(url.rstrip("/"))
        self.api.ok(
            "GET", "/session"
        )  # boots the instance (plugin.added etc.) before capture
        time.sleep(1.5)

    def stop_server(self) -> None:
        """Stop the current server."""
        if self.server is not None:
            stop(self.server)
            self.server = None

    def close(self) -> None:
        """Stop everything and remove the temp root."""
        self.stop_server()
        stop(self.fake, 3)
        shutil.rmtree(self.root, ignore_errors=True)

    def run(self, name: str, scenario: Callable[[Capture], None]) -> None:
        """Run one scenario against a fresh server and write its fixture."""
        log(f"scenario {name}")
        self.start_server()
        cap = Capture(self.api.base, self.root / f"{name}.sse")
        try:
            scenario(cap)
        finally:
            cap.finish(self.out / f"{name}.jsonl")
            self.stop_server()

    # --- scenarios -------------------------------------------------------------------------

    def permission_turn(self, cap: Capture, text: str, reply: dict[str, Any]) -> str:
        """Prompt ``text`` in a new session, answer its permission with ``reply``, wait for idle."""
        sid = self.api.new_session()
        self.api.prompt(sid, text)
        asked = cap.wait(is_type("permission.asked", sid))
        self.api.ok("POST", f"/permission/{asked['properties']['id']}/reply", reply)
        cap.wait(is_type("session.idle", sid))
        return sid

    def permission_once(self, cap: Capture) -> None:
        """Bash permission answered once."""
        self.permission_turn(cap, "RUN: echo hello > out.txt", {"reply": "once"})

    def permission_reject_message(self, cap: Capture) -> None:
        """Bash permission rejected with feedback; the agent continues to a final answer."""
        self.fake_api.ok("POST", "/_reset")
        self.permission_turn(
            cap,
            "RUN: rm -rf build",
            {"reply": "reject", "message": "not allowed by watcher"},
        )
        seen = json.dumps(self.fake_api.ok("GET", "/_requests"))
        log(f"  rejection feedback reached the LLM: {'not allowed by watcher' in seen}")

    def permission_always(self, cap: Capture) -> None:
        """Bash permission answered always; a second matching command in the session is not asked."""
        sid = self.permission_turn(
            cap, "RUN: printf always > always.txt", {"reply": "always"}
        )
        time.sleep(1.5)  # see error_400
        mark = cap.mark()
        self.api.prompt(sid, "RUN: printf again > again.txt")
        cap.wait(is_busy(sid))
        cap.wait(is_type("session.idle", sid))
        asked = any(is_type("permission.asked", sid)(e) for e in cap.events[mark:])
        log(f"  second printf asked again: {asked}")

    def subagent_permission(self, cap: Capture) -> None:
        """Task tool spawns a child whose bash asks; REST snapshots are taken while it is pending."""
        sid = self.api.new_session()
        self.api.prompt(sid, "USE_TASK RUN: touch sub.txt")
        asked = cap.wait(lambda e: e["type"] == "permission.asked")
        child = asked["properties"]["sessionID"]
        log(f"  permission in child {child} (parent {sid}): {child != sid}")
        self.snapshot_rest(sid, child)
        self.api.ok(
            "POST", f"/permission/{asked['properties']['id']}/reply", {"reply": "once"}
        )
        cap.wait(is_type("session.idle", sid))

    def error_400(self, cap: Capture) -> None:
        """HTTP 400 from the LLM gives session.error then idle; a second prompt works again."""
        sid = self.api.new_session()
        self.api.prompt(sid, "FAIL400")
        cap.wait(is_type("session.error", sid))
        cap.wait(is_type("session.idle", sid))
        # Prompting right at session.idle raced with the failed turn's cleanup in 1.18.33 (the
        # prompt was stored but never answered), so let the first turn settle.
        time.sleep(1.5)
        self.api.prompt(sid, "hello")
        cap.wait(is_busy(sid))
        cap.wait(is_type("session.idle", sid))

    def abort_pending_permission(self, cap: Capture) -> None:
        """Abort while a permission is pending."""
        sid = self.api.new_session()
        self.api.prompt(sid, "RUN: sleep 1")
        cap.wait(is_type("permission.asked", sid))
        self.api.ok("POST", f"/session/{sid}/abort")
        cap.wait(is_type("session.idle", sid))
        time.sleep(0.5)
        stale = self.api.ok("GET", "/permission")
        log(f"  GET /permission after abort lists {len(stale)} request(s)")

    def retry_500(self, cap: Capture) -> None:
        """HTTP 500 twice (retry statuses), then the LLM answers; abort if it never settles."""
        sid = self.api.new_session()
        self.api.prompt(sid, "FAIL500:2")
        try:
            cap.wait(is_type("session.idle", sid), timeout=40)
        except TimeoutError:
            log("  still retrying after 40 s, aborting")
            self.api.ok("POST", f"/session/{sid}/abort")
            cap.wait(is_type("session.idle", sid))

    def question(self, cap: Capture) -> None:
        """Question tool answered through POST /question/{id}/reply."""
        sid = self.api.new_session()
        self.api.prompt(sid, "ASK_QUESTION")
        asked = cap.wait(is_type("question.asked", sid))
        (self.out / "rest" / "question_list.json").write_text(
            json.dumps(self.api.ok("GET", "/question"), indent=1) + "\n"
        )
        self.api.ok(
            "POST",
            f"/question/{asked['properties']['id']}/reply",
            {"answers": [["Red"]]},
        )
        cap.wait(is_type("session.idle", sid))

    def question_reject(self, cap: Capture) -> None:
        """Question tool dismissed through POST /question/{id}/reject."""
        sid = self.api.new_session()
        self.api.prompt(sid, "ASK_QUESTION")
        asked = cap.wait(is_type("question.asked", sid))
        self.api.ok("POST", f"/question/{asked['properties']['id']}/reject")
        cap.wait(is_type("session.idle", sid))

    def streaming(self, cap: Capture) -> None:
        """200 streamed text deltas, 5 ms apart."""
        sid = self.api.new_session()
        self.api.prompt(sid, "STREAM:200:5")
        cap.wait(is_type("session.idle", sid))

    def session_deleted(self, cap: Capture) -> None:
        """A finished session is deleted."""
        sid = self.api.new_session()
        self.api.prompt(sid, "hello")
        cap.wait(is_type("session.idle", sid))
        time.sleep(0.5)
        self.api.ok("DELETE", f"/session/{sid}")
        cap.wait(is_type("session.deleted", sid))

    # --- REST snapshots ----------------------------------------------------------------------

    def snapshot_rest(self, parent: str, child: str) -> None:
        """Save the REST answers a resync uses, while the child's permission is pending."""
        rest = self.out / "rest"
        time.sleep(0.3)
        providers = self.api.ok("GET", "/config/providers")
        snaps: dict[str, Json] = {
            "session_list.json": self.api.ok("GET", "/session"),
            "session_list_roots.json": self.api.ok("GET", "/session?roots=true"),
            "session_status.json": self.api.ok("GET", "/session/status"),
            "permission.json": self.api.ok("GET", "/permission"),
            "messages.json": self.api.ok("GET", f"/session/{parent}/message?limit=5"),
            "messages_child.json": self.api.ok(
                "GET", f"/session/{child}/message?limit=5"
            ),
            "health.json": self.api.ok("GET", "/global/health"),
            "providers_fake.json": {
                "providers": [
                    p for p in providers["providers"] if p.get("id") == "fake"
                ],
                "default": providers.get("default", {}),
            },
            "experimental_session.json": self.api.ok(
                "GET", "/experimental/session?limit=20"
            ),
            "experimental_session_roots.json": self.api.ok(
                "GET", "/experimental/session?roots=true&limit=20"
            ),
        }
        limited = self.api.ok("GET", "/session?limit=3")
        log(
            f"  GET /session?limit=3 returned {len(limited)} of {len(snaps['session_list.json'])}"
        )
        for name, data in snaps.items():
            (rest / name).write_text(json.dumps(data, indent=1) + "\n")
        log(f"  saved {len(snaps)} REST snapshots")


SCENARIOS = [
    "permission_once",
    "permission_reject_message",
    "error_400",
    "abort_pending_permission",
    "retry_500",
    "question",
    "question_reject",
    "streaming",
    "session_deleted",
    "subagent_permission",
    "permission_always",
]


def default_opencode() -> str:
    """Return $OPENCODE_BIN or the path printed by scripts/setup-opencode."""
    if os.environ.get("OPENCODE_BIN"):
        return os.environ["OPENCODE_BIN"]
    out = subprocess.run(
        [str(REPO / "scripts" / "setup-opencode")],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    return out.strip().splitlines()[-1]


def main() -> int:
    """Parse arguments and record the chosen scenarios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opencode", help="path of the opencode binary")
    parser.add_argument("--out", type=Path, default=REPO / "tests" / "fixtures")
    parser.add_argument(
        "--only", nargs="*", choices=SCENARIOS, help="record only these"
    )
    args = parser.parse_args()
    opencode = args.opencode or default_opencode()
    (args.out / "rest").mkdir(parents=True, exist_ok=True)
    rec = Recorder(opencode, args.out)
    try:
        for name in args.only or SCENARIOS:
            rec.run(name, getattr(rec, name))
    finally:
        rec.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
