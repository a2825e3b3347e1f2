"""Tiny stdlib client for the OpenCode 2 stand-in (tests/opencode_v2.py). Python 3.11 and 3.14.

from opencode_v2_driver import StandIn
with StandIn(env={"XDG_STATE_HOME": ..., "XDG_CONFIG_HOME": ..., "HOME": ...}) as v2:
sid = v2.control("session", {"directory": "/tmp/p"})["id"]
status, body = v2.request("GET", f"/api/session/{sid}")
stream = v2.events()            # EventStream over /api/event
v2.wait_subscribers(1)
...
# leaving the block sends SIGTERM (the registration file is removed)
"""

# ruff: noqa: D102, D105, D107

import base64
import contextlib
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "opencode_v2.py")


class StandInError(RuntimeError):
    """The stand-in failed to start or answered a control route with an error."""


class EventStream:
    """Reads ``GET /api/event``; ``next_event()`` returns the next parsed envelope."""

    def __init__(self, standin, timeout=10.0):  # standin: StandIn (defined below)
        self.conn = http.client.HTTPConnection(
            standin.host, standin.port, timeout=timeout
        )
        self.conn.request(
            "GET", "/api/event", headers={"Authorization": standin.auth_header()}
        )
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        self.content_type = self.resp.getheader("Content-Type", "")
        self.comments: list[str] = []
        self.raw: list[str] = []

    def next_data(self) -> str | None:
        """The next ``data:`` payload (joined lines), or None at end of stream."""
        data_lines: list[str] = []
        while True:
            line = self.resp.readline()
            if not line:
                return None
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if text == "":
                if data_lines:
                    payload = "\n".join(data_lines)
                    self.raw.append(payload)
                    return payload
                continue
            if text.startswith(":"):
                self.comments.append(text)
            elif text.startswith("data:"):
                data_lines.append(text[5:].lstrip(" "))

    def next_event(self) -> dict | None:
        payload = self.next_data()
        return None if payload is None else json.loads(payload)

    def until(self, predicate, limit=100) -> dict:
        for _ in range(limit):
            ev = self.next_event()
            if ev is None:
                raise StandInError("event stream ended")
            if predicate(ev):
                return ev
        raise StandInError("no matching event")

    def close(self):
        with contextlib.suppress(OSError):
            self.conn.close()


class StandIn:
    """Starts ``tests/opencode_v2.py`` as a subprocess and talks to it.

    ``args`` are extra command-line arguments; ``env`` is merged over ``os.environ`` (set
    XDG_STATE_HOME / XDG_CONFIG_HOME / HOME there). Without ``--password`` in ``args`` a random
    password is generated and passed, so ``.password`` is always known.
    """

    def __init__(
        self, args=None, env=None, python=None, start=True, ready_timeout=10.0
    ):
        self.args = list(args or [])
        if "--password" in self.args:
            self.password = self.args[self.args.index("--password") + 1]
        else:
            self.password = (
                base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
            )
            self.args += ["--password", self.password]
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.python = python or sys.executable
        self.proc: subprocess.Popen | None = None
        self.url = ""
        self.host = "127.0.0.1"
        self.port = 0
        self._stderr = tempfile.TemporaryFile()
        if start:
            self.start(ready_timeout)

    # ---- lifecycle ---------------------------------------------------------------------
    def start(self, timeout=10.0):
        self.proc = subprocess.Popen(
            [self.python, SCRIPT, *self.args],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=self.env,
            text=True,
        )
        line_box: list = []

        def read_line():
            line_box.append(self.proc.stdout.readline())

        t = threading.Thread(target=read_line, daemon=True)
        t.start()
        t.join(timeout)
        line = line_box[0] if line_box else ""
        if not line.startswith("READY "):
            self.kill()
            raise StandInError(
                f"stand-in did not get ready: {line!r}\n{self.stderr_text()}"
            )
        self.url = line.split(" ", 1)[1].strip()
        parsed = urllib.parse.urlsplit(self.url)
        self.host, self.port = parsed.hostname, parsed.port
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    def stop(self, timeout=5.0) -> int | None:
        """SIGTERM, wait; kill after ``timeout``. Returns the exit code."""
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        return self.proc.returncode

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stderr_text(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # ---- HTTP --------------------------------------------------------------------------
    def auth_header(self, password=None, user="opencode") -> str:
        pw = self.password if password is None else password
        return "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()

    def request(
        self,
        method,
        path,
        body=None,
        auth=True,
        password=None,
        headers=None,
        timeout=10.0,
    ):
        """Returns (status, parsed JSON or None or raw text)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            h = dict(headers or {})
            if auth:
                h["Authorization"] = self.auth_header(password)
            data = None
            if body is not None:
                data = body if isinstance(body, (bytes, str)) else json.dumps(body)
                h["Content-Type"] = "application/json"
            conn.request(method, path, body=data, headers=h)
            resp = conn.getresponse()
            raw = resp.read()
            if not raw:
                return resp.status, None
            try:
                return resp.status, json.loads(raw)
            except ValueError:
                return resp.status, raw.decode("utf-8", "replace")
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def control(self, route, body=None):
        """POST /__standin/<route>; raises StandInError on a non-2xx answer."""
        status, obj = self.request(
            "POST", f"/__standin/{route}", body if body is not None else {}
        )
        if status // 100 != 2:
            raise StandInError(f"control {route} -> {status}: {obj}")
        return obj

    def calls(self) -> list:
        return self.request("GET", "/__standin/calls")[1]["calls"]

    def state(self) -> dict:
        return self.request("GET", "/__standin/state")[1]

    def wait_subscribers(self, n=1, timeout=5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.state()["subscribers"] >= n:
                return True
            time.sleep(0.02)
        raise StandInError(f"expected {n} event subscribers within {timeout}s")

    def events(self, timeout=10.0) -> EventStream:
        return EventStream(self, timeout)
