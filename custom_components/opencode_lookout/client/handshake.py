"""Opening a pinned websocket and reading the pre-auth frames (hello), token-free."""

import asyncio
import json

import aiohttp

from .errors import (
    CannotConnect,
    FingerprintMismatch,
    IncompatibleSchema,
    ProtocolError,
)
from .frames import Refused, ServerFrame, ServerInfo, parse_server_frame
from .wire import HARD_FRAME_LIMIT, SCHEMA

CONNECT_TIMEOUT = 10.0


def url_of(host: str, port: int) -> str:
    """Return the wss:// URL of an agent (always TLS: the pin is only checked on TLS)."""
    host = f"[{host}]" if ":" in host else host
    return f"wss://{host}:{port}/"


async def open_pinned(
    session: aiohttp.ClientSession, host: str, port: int, fingerprint: str
) -> aiohttp.ClientWebSocketResponse:
    """Open the pinned websocket.

    aiohttp checks the pin right after the TLS handshake, before the upgrade request:
    nothing is sent to an endpoint that presents another certificate.
    """
    url = url_of(host, port)
    pin = aiohttp.Fingerprint(bytes.fromhex(fingerprint))
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            return await session.ws_connect(
                url, ssl=pin, max_msg_size=HARD_FRAME_LIMIT, autoping=True
            )
    except aiohttp.ServerFingerprintMismatch as err:
        raise FingerprintMismatch(fingerprint, err.got.hex()) from err
    except (TimeoutError, aiohttp.ClientError, OSError) as err:
        raise CannotConnect(f"cannot reach {url}: {err!r}") from err


async def receive_frame(ws: aiohttp.ClientWebSocketResponse) -> ServerFrame:
    """Return the next frame during the handshake."""
    msg = await ws.receive()
    if msg.type is not aiohttp.WSMsgType.TEXT:
        raise CannotConnect(f"connection closed during handshake ({msg.type!r})")
    try:
        frame = parse_server_frame(json.loads(msg.data))
    except (ValueError, KeyError) as err:
        raise ProtocolError(f"unreadable frame: {err}") from err
    if isinstance(frame, Refused):
        raise CannotConnect(f"agent refused the connection: {frame.code}")
    return frame


async def read_hello(ws: aiohttp.ClientWebSocketResponse) -> ServerInfo:
    """Read the hello frame and check the schema."""
    info = await receive_frame(ws)
    if not isinstance(info, ServerInfo):
        raise ProtocolError(f"expected hello, got {type(info).__name__}")
    if not info.min_schema <= SCHEMA <= info.schema:
        raise IncompatibleSchema(info.schema, info.min_schema, SCHEMA)
    return info


async def async_fetch_server_info(
    session: aiohttp.ClientSession, host: str, port: int, fingerprint: str
) -> ServerInfo:
    """Return the hello of the agent at host:port if it presents the pinned certificate.

    Sends nothing but the TLS and websocket handshakes: no token. Used to check that an
    mDNS announcement really comes from the paired agent before moving the entry.
    """
    ws = await open_pinned(session, host, port, fingerprint)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            return await read_hello(ws)
    except TimeoutError as err:
        raise CannotConnect(f"no hello from {url_of(host, port)}") from err
    finally:
        await ws.close()
