#!/usr/bin/env python3
"""Fake OpenAI-compatible LLM server for driving a real OpenCode in tests.

Stdlib only; runs on Python 3.11+. Start it with

    python3 tests/fake_llm.py --port 0 [--host 127.0.0.1]

It prints ``fake-llm listening on http://HOST:PORT`` once it accepts requests.

Endpoints:
    GET  /v1/models             one model, ``fake-model``
    POST /v1/chat/completions   streaming (SSE) or plain JSON, see below
    GET  /_requests             JSON list of every request seen (method, path, body)
    POST /_reset                clears that log and the FAIL500:N counters

The reply is chosen from the request, first match wins:
    no ``tools`` in the request     title generation: text ``Fake Title``
    ``FAIL400`` in the user text    HTTP 400 with an OpenAI-style error body
    ``FAIL500[:N]``                 HTTP 500 (only the first N times for that text, when N given)
    ``SLOW:MS``                     sleep MS milliseconds, then go on with the rules below
    last message is a tool result   text ``All done.`` (streamed as STREAM says, if present)
    ``USE_TASK <prompt>``           ``task`` tool call with that prompt, subagent ``general``
    ``ASK_QUESTION``                ``question`` tool call, one question with 3 options
    ``MAKE_PLAN``                   ``todowrite`` tool call: a plan of 3 items, 1 completed
    ``RUN: <command>``              ``bash`` tool call running the rest of that line
    ``STREAM:N[:MS]``               N text deltas ``word `` with MS ms between them (default 10)
    anything else                   text ``OK.``
"User text" is the text of the last ``user`` message in the conversation.
Every streamed reply ends with a ``choices: []`` chunk carrying usage
(prompt 1000, completion 200, cached 100) and ``data: [DONE]``.
"""

from __future__ import annotations

import argparse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import itertools
import json
import re
import sys
import threading
import time
from typing import Any

MODEL_ID = "fake-model"
USAGE = {
    "prompt_tokens": 1000,
    "completion_tokens": 200,
    "total_tokens": 1200,
    "prompt_tokens_details": {"cached_tokens": 100},
}

# The plan of MAKE_PLAN (OpenCode's todowrite input).
PLAN = [
    {"id": "1", "content": "Read the code", "status": "completed", "priority": "high"},
    {"id": "2", "content": "Fix the bug", "status": "in_progress", "priority": "high"},
    {"id": "3", "content": "Run the tests", "status": "pending", "priority": "medium"},
]


class Reply:
    """What the fake answers: text (possibly streamed in pieces) or tool calls, or an HTTP error."""

    def __init__(
        self,
        text_pieces: list[str] | None = None,
        tool_calls: list[dict[str, Any]] | None = None,
        delay_ms: int = 0,
        error_status: int | None = None,
    ) -> None:
        """Build a reply; ``delay_ms`` is the pause between streamed text pieces."""
        self.text_pieces = text_pieces or []
        self.tool_calls = tool_calls or []
        self.delay_ms = delay_ms
        self.error_status = error_status


class State:
    """Shared mutable state: the request log and counters, guarded by one lock."""

    def __init__(self) -> None:
        """Start with an empty log."""
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []
        self.fail_counts: dict[str, int] = {}
        self.call_ids = itertools.count(1)

    def log(self, entry: dict[str, Any]) -> None:
        """Append one request to the log."""
        with self.lock:
            self.requests.append(entry)

    def reset(self) -> None:
        """Clear the log and the FAIL500:N counters."""
        with self.lock:
            self.requests.clear()
            self.fail_counts.clear()

    def snapshot(self) -> list[dict[str, Any]]:
        """Return a copy of the log."""
        with self.lock:
            return list(self.requests)

    def bump_fail(self, key: str) -> int:
        """Count one more failure for ``key`` and return the new count."""
        with self.lock:
            self.fail_counts[key] = self.fail_counts.get(key, 0) + 1
            return self.fail_counts[key]

    def next_call_id(self) -> str:
        """Return a fresh tool call id."""
        with self.lock:
            return f"call_{next(self.call_ids)}"


STATE = State()


def message_text(message: dict[str, Any]) -> str:
    """Return the plain text of a chat message whose content is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part.get("text", "")
            for part in content
            if isinstance(part, dict) and part.get("type") in ("text", "input_text")
        )
    return ""


def last_user_text(messages: list[dict[str, Any]]) -> str:
    """Return the text of the last user message, or an empty string."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message)
    return ""


def find_tool(tools: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    """Return the function definition of the tool called ``name`` from the request's tools."""
    for tool in tools:
        function = tool.get("function", tool)
        if function.get("name") == name:
            return function
    return None


def question_input(tools: list[dict[str, Any]]) -> dict[str, Any]:
    """Build an input for the ``question`` tool that fits its schema as offered in the request."""
    question = {
        "question": "Which colour should the button be?",
        "header": "Colour",
        "options": [
            {"label": "Red", "description": "A warm red"},
            {"label": "Green", "description": "A calm green"},
            {"label": "Blue", "description": "A cool blue"},
        ],
    }
    tool = find_tool(tools, "question") or {}
    props = tool.get("parameters", {}).get("properties", {})
    if "questions" in props or not props:
        item_props = props.get("questions", {}).get("items", {}).get("properties", {})
        if item_props:
            question = {k: v for k, v in question.items() if k in item_props}
        return {"questions": [question]}
    # A single-question schema: fill whichever of our fields it knows.
    return {k: v for k, v in question.items() if k in props}


def tool_call(name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """Return one OpenAI tool call with a fresh id."""
    return {
        "id": STATE.next_call_id(),
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


def stream_pieces(spec: re.Match[str] | None, fallback: str) -> tuple[list[str], int]:
    """Return the text pieces and delay for a STREAM:N[:MS] match, or the fallback text."""
    if spec is None:
        return [fallback], 0
    count = int(spec.group(1))
    delay = int(spec.group(2)) if spec.group(2) else 10
    return ["word "] * count, delay


def choose_reply(body: dict[str, Any]) -> Reply:
    """Decide what to answer to a chat completion request."""
    messages = body.get("messages") or []
    tools = body.get("tools") or []
    if not tools:
        return Reply(text_pieces=["Fake Title"])
    text = last_user_text(messages)
    if "FAIL400" in text:
        return Reply(error_status=400)
    fail500 = re.search(r"FAIL500(?::(\d+))?", text)
    if fail500:
        limit = fail500.group(1)
        if limit is None or STATE.bump_fail(text) <= int(limit):
            return Reply(error_status=500)
    slow = re.search(r"SLOW:(\d+)", text)
    if slow:
        time.sleep(int(slow.group(1)) / 1000)
    stream = re.search(r"STREAM:(\d+)(?::(\d+))?", text)
    if messages and messages[-1].get("role") == "tool":
        pieces, delay = stream_pieces(stream, "All done.")
        return Reply(text_pieces=pieces, delay_ms=delay)
    task = re.search(r"USE_TASK\s*(.*)", text, re.DOTALL)
    if task:
        prompt = task.group(1).strip() or "say hello"
        args = {"description": "sub job", "prompt": prompt, "subagent_type": "general"}
        return Reply(tool_calls=[tool_call("task", args)])
    if "ASK_QUESTION" in text:
        return Reply(tool_calls=[tool_call("question", question_input(tools))])
    if "MAKE_PLAN" in text:
        return Reply(tool_calls=[tool_call("todowrite", {"todos": PLAN})])
    run = re.search(r"RUN:[ \t]*(.+)", text)
    if run:
        args = {"command": run.group(1).strip(), "description": "run it"}
        return Reply(tool_calls=[tool_call("bash", args)])
    pieces, delay = stream_pieces(stream, "OK.")
    return Reply(text_pieces=pieces, delay_ms=delay)


def error_body(status: int) -> dict[str, Any]:
    """Return an OpenAI-style error body for ``status``."""
    kind = "invalid_request_error" if status < 500 else "server_error"
    return {
        "error": {
            "message": f"fake upstream failure {status}",
            "type": kind,
            "param": None,
            "code": f"fake_{status}",
        }
    }


class Handler(BaseHTTPRequestHandler):
    """HTTP handler; one thread per connection."""

    protocol_version = "HTTP/1.1"
    server_version = "fake-llm/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Keep stderr quiet; the request log is at /_requests."""

    def _read_body(self) -> Any:
        """Read and parse the JSON request body (None when absent or not JSON)."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return raw.decode("utf-8", "replace")

    def _send_json(self, status: int, payload: Any) -> None:
        """Send a complete JSON response."""
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        """Log the request and dispatch it."""
        body = self._read_body() if self.command == "POST" else None
        path = self.path.split("?", 1)[0]
        if path == "/_requests":
            self._send_json(200, STATE.snapshot())
            return
        if path == "/_reset":
            STATE.reset()
            self._send_json(200, True)
            return
        STATE.log(
            {
                "time": time.time(),
                "method": self.command,
                "path": self.path,
                "body": body,
            }
        )
        if self.command == "GET" and path.endswith("/models"):
            model = {
                "id": MODEL_ID,
                "object": "model",
                "created": 0,
                "owned_by": "fake",
            }
            self._send_json(200, {"object": "list", "data": [model]})
        elif self.command == "POST" and path.endswith("/chat/completions"):
            self._chat(body if isinstance(body, dict) else {})
        else:
            self._send_json(
                404, {"error": {"message": f"no route {self.command} {path}"}}
            )

    do_GET = _handle
    do_POST = _handle

    def _chat(self, body: dict[str, Any]) -> None:
        """Answer a chat completion request."""
        reply = choose_reply(body)
        if reply.error_status is not None:
            self._send_json(reply.error_status, error_body(reply.error_status))
        elif body.get("stream"):
            self._stream(body, reply)
        else:
            self._plain(body, reply)

    def _plain(self, body: dict[str, Any], reply: Reply) -> None:
        """Send a non-streaming chat.completion."""
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(reply.text_pieces) or None,
        }
        if reply.tool_calls:
            message["tool_calls"] = reply.tool_calls
        choice = {
            "index": 0,
            "message": message,
            "finish_reason": "tool_calls" if reply.tool_calls else "stop",
        }
        self._send_json(
            200,
            {
                "id": f"chatcmpl-{int(time.time() * 1000)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", MODEL_ID),
                "choices": [choice],
                "usage": USAGE,
            },
        )

    def _stream(self, body: dict[str, Any], reply: Reply) -> None:
        """Send a streaming reply as SSE chat.completion.chunk events (chunked encoding)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        base = {
            "id": f"chatcmpl-{int(time.time() * 1000)}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body.get("model", MODEL_ID),
        }

        def send(data: str) -> None:
            payload = f"data: {data}\n\n".encode()
            self.wfile.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
            self.wfile.flush()

        def chunk(delta: dict[str, Any], finish: str | None = None) -> None:
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
            send(json.dumps({**base, "choices": [choice]}))

        try:
            chunk({"role": "assistant", "content": ""})
            for i, piece in enumerate(reply.text_pieces):
                if i and reply.delay_ms:
                    time.sleep(reply.delay_ms / 1000)
                chunk({"content": piece})
            for index, call in enumerate(reply.tool_calls):
                args = call["function"]["arguments"]
                half = len(args) // 2
                head = {
                    "index": index,
                    "id": call["id"],
                    "type": "function",
                    "function": {
                        "name": call["function"]["name"],
                        "arguments": args[:half],
                    },
                }
                chunk({"tool_calls": [head]})
                chunk(
                    {
                        "tool_calls": [
                            {"index": index, "function": {"arguments": args[half:]}}
                        ]
                    }
                )
            chunk({}, "tool_calls" if reply.tool_calls else "stop")
            send(json.dumps({**base, "choices": [], "usage": USAGE}))
            send("[DONE]")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client aborted (e.g. the session was aborted); nothing left to do.
            self.close_connection = True


def main() -> int:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    host, port = server.server_address[:2]
    print(f"fake-llm listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
