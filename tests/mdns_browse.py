"""Find a running agent over mDNS the way Home Assistant's zeroconf integration does.

Run by scripts/mdns-check inside a network namespace that has only the loopback
interface (multicast never leaves the machine). Steps, each one fatal on failure:

1. `AsyncZeroconf` (IPv4, all interfaces: HA's default) + `AsyncServiceBrowser` for
   `_opencode-lookout._tcp.local.`; wait for an Added/Updated event.
2. Resolve it like HA: `AsyncServiceInfo.load_from_cache`, else `async_request(zc, 3000)`,
   then HA's own `info_from_service` when Home Assistant is importable.
3. Check the TXT records (exactly server_id, hostname, version and the schema of
   tests/fixtures/protocol/constants.json: nothing secret), the port and
   that at least one address came back.
4. Open the websocket at the resolved address:port over wss pinned to the agent's
   certificate (aiohttp.Fingerprint, as HA does) and check the `hello` frame's server_id.
5. With `--terminate-pid PID`: SIGTERM the agent and require the browser to report the
   service Removed (goodbye packets) within `--removal-timeout` seconds.

Prints one summary line on success; exits 1 with a message on failure.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
import ipaddress
import json
import os
from pathlib import Path
import signal
import sys
import time
from typing import Any

import aiohttp
from zeroconf import IPVersion, ServiceStateChange, Zeroconf
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

# The protocol's constants, as the agent writes them (the golden contract).
CONSTANTS = json.loads(
    (Path(__file__).parent / "fixtures/protocol/constants.json").read_text()
)
SERVICE_TYPE: str = CONSTANTS["mdns_service_type"]
TXT_KEYS = {"server_id", "hostname", "version", "schema"}
REQUEST_TIMEOUT_MS = 3000  # homeassistant.components.zeroconf.const.REQUEST_TIMEOUT


class CheckFailed(Exception):
    """A check did not hold."""


@dataclass
class Discovered:
    """What HA's discovery would hand to the config flow."""

    name: str
    host: str
    addresses: list[str]
    port: int | None
    properties: dict[str, str | None]
    via: str


def to_discovered(info: AsyncServiceInfo) -> Discovered | None:
    """Convert like HA's `info_from_service` (HA's own function when available)."""
    try:
        from homeassistant.components.zeroconf.discovery import info_from_service  # noqa: PLC0415
    except ImportError:
        info_from_service = None
    if info_from_service is not None:
        ha = info_from_service(info)
        if ha is None:
            return None
        return Discovered(
            name=ha.name,
            host=ha.host,
            addresses=[str(a) for a in ha.ip_addresses],
            port=ha.port,
            properties=dict(ha.properties),
            via="homeassistant info_from_service",
        )
    addrs = info.ip_addresses_by_version(IPVersion.All)
    usable = [a for a in addrs if not a.is_link_local and not a.is_unspecified]
    if not usable:
        return None
    return Discovered(
        name=info.name,
        host=str(usable[0]),
        addresses=[str(a) for a in addrs],
        port=info.port,
        properties=dict(info.decoded_properties),
        via="zeroconf only",
    )


async def wait_event(
    queue: asyncio.Queue[tuple[str, ServiceStateChange]],
    deadline: float,
    what: str,
) -> tuple[str, ServiceStateChange]:
    """Next browser event before `deadline` (monotonic)."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise CheckFailed(f"timed out waiting for {what}")
    try:
        return await asyncio.wait_for(queue.get(), remaining)
    except TimeoutError:
        raise CheckFailed(f"timed out waiting for {what}") from None


async def resolve(zc: Zeroconf, name: str) -> Discovered | None:
    """Resolve one instance as HA's `_async_service_update` does."""
    info = AsyncServiceInfo(SERVICE_TYPE, name)
    if not info.load_from_cache(zc):
        await info.async_request(zc, REQUEST_TIMEOUT_MS)
    return to_discovered(info)


def check_txt(found: Discovered, args: argparse.Namespace) -> None:
    """TXT records, port and addresses."""
    props = found.properties
    for key in sorted(TXT_KEYS):
        if not props.get(key):
            raise CheckFailed(f"TXT record {key!r} missing or empty: {props}")
    if set(props) != TXT_KEYS:
        raise CheckFailed(f"TXT records other than {sorted(TXT_KEYS)}: {sorted(props)}")
    if props["schema"] != str(CONSTANTS["schema"]):
        raise CheckFailed(
            f"TXT schema is {props['schema']!r}, expected {CONSTANTS['schema']!r}"
        )
    if args.hostname and props["hostname"] != args.hostname:
        raise CheckFailed(f"TXT hostname {props['hostname']!r} != {args.hostname!r}")
    if args.agent_version and props["version"] != args.agent_version:
        raise CheckFailed(f"TXT version {props['version']!r} != {args.agent_version!r}")
    if found.port != args.port:
        raise CheckFailed(f"advertised port {found.port} != API port {args.port}")
    if not found.addresses:
        raise CheckFailed("no address advertised")


async def read_hello(host: str, port: int, fingerprint: str) -> dict[str, Any]:
    """Open the pinned websocket at host:port and return the first frame (`hello`)."""
    if ipaddress.ip_address(host).version == 6:
        host = f"[{host}]"
    timeout = aiohttp.ClientTimeout(total=10)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.ws_connect(
            f"wss://{host}:{port}/",
            heartbeat=None,
            ssl=aiohttp.Fingerprint(bytes.fromhex(fingerprint)),
        ) as ws,
    ):
        msg = await ws.receive(timeout=10)
        if msg.type is not aiohttp.WSMsgType.TEXT:
            raise CheckFailed(f"first websocket frame is {msg.type!r}, not text")
        hello = msg.json()
    if not isinstance(hello, dict) or hello.get("type") != "hello":
        raise CheckFailed(f"first frame is not a hello: {hello!r}")
    return hello


async def run(args: argparse.Namespace) -> str:
    """All checks; returns the summary line."""
    started = time.monotonic()
    deadline = started + args.timeout
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[tuple[str, ServiceStateChange]] = asyncio.Queue()

    def on_change(
        zeroconf: Zeroconf,
        service_type: str,
        name: str,
        state_change: ServiceStateChange,
    ) -> None:
        loop.call_soon_threadsafe(events.put_nowait, (name, state_change))

    # HA: HaAsyncZeroconf(interfaces=InterfaceChoice.All, ip_version=V4Only) unless
    # IPv6 is enabled in its network settings.
    aiozc = AsyncZeroconf(ip_version=IPVersion.V4Only)
    browser = AsyncServiceBrowser(aiozc.zeroconf, [SERVICE_TYPE], handlers=[on_change])
    try:
        found: Discovered | None = None
        seen: dict[str, str | None] = {}
        while found is None:
            name, change = await wait_event(
                events,
                deadline,
                f"{SERVICE_TYPE} with server_id {args.server_id}"
                f" (seen: {seen or 'nothing'})",
            )
            if change is ServiceStateChange.Removed:
                continue
            d = await resolve(aiozc.zeroconf, name)
            if d is None:
                seen[name] = None
                continue
            seen[name] = d.properties.get("server_id")
            if seen[name] == args.server_id:
                found = d
        discovered_after = time.monotonic() - started
        check_txt(found, args)

        hello = await read_hello(found.host, args.port, args.fingerprint)
        if hello.get("server_id") != args.server_id:
            raise CheckFailed(
                f"hello server_id {hello.get('server_id')!r} != {args.server_id!r}"
            )
        summary = (
            f"mdns ok: {found.name!r} found in {discovered_after:.2f}s "
            f"({found.via}) at {found.host}:{found.port} addresses={found.addresses} "
            f"txt={found.properties} hello schema={hello.get('schema')}"
        )

        if args.terminate_pid:
            # Only a Removed event that follows the SIGTERM counts.
            while not events.empty():
                name, change = events.get_nowait()
                if name == found.name and change is ServiceStateChange.Removed:
                    raise CheckFailed(f"{found.name!r} was removed before SIGTERM")
            os.kill(args.terminate_pid, signal.SIGTERM)
            killed = time.monotonic()
            removal_deadline = killed + args.removal_timeout
            while True:
                name, change = await wait_event(
                    events,
                    removal_deadline,
                    f"removal of {found.name!r} after SIGTERM to {args.terminate_pid}"
                    " (no mDNS goodbye?)",
                )
                if name == found.name and change is ServiceStateChange.Removed:
                    break
            summary += f"; withdrawn {time.monotonic() - killed:.2f}s after SIGTERM"
        return summary
    finally:
        await browser.async_cancel()
        await aiozc.async_close()


def main() -> int:
    """Parse the arguments, run the checks, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server-id", required=True, help="expected TXT server_id")
    parser.add_argument("--port", type=int, required=True, help="the agent's API port")
    parser.add_argument(
        "--fingerprint", required=True, help="SHA-256 of the agent's certificate (hex)"
    )
    parser.add_argument("--hostname", help="expected TXT hostname")
    parser.add_argument("--agent-version", help="expected TXT version")
    parser.add_argument(
        "--timeout", type=float, default=15, help="seconds to discover and resolve"
    )
    parser.add_argument(
        "--terminate-pid",
        type=int,
        help="after the checks, SIGTERM this pid and require the service Removed",
    )
    parser.add_argument(
        "--removal-timeout",
        type=float,
        default=5,
        help="seconds allowed between SIGTERM and the Removed event",
    )
    args = parser.parse_args()
    try:
        summary = asyncio.run(run(args))
    except (CheckFailed, aiohttp.ClientError, OSError) as err:
        sys.stderr.write(f"mdns_browse: FAILED: {err}\n")
        return 1
    sys.stdout.write(summary + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
