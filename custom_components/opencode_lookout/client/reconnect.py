"""Keep a LookoutClient connected: listen, and reconnect with capped backoff."""

import asyncio
from collections.abc import Callable
import logging

from .connection import LookoutClient
from .errors import ClientError, RateLimited
from .frames import ServerInfo
from .models import Snapshot

_LOGGER = logging.getLogger(__name__)

MIN_DELAY = 1.0
MAX_DELAY = 60.0


class ReconnectLogic:
    """Run the listen loop of a client forever, reconnecting when it drops."""

    def __init__(
        self,
        client: LookoutClient,
        *,
        on_connect: Callable[[ServerInfo, Snapshot], None],
        on_disconnect: Callable[[], None],
        on_connect_error: Callable[[ClientError], None],
    ) -> None:
        """Store the client and the callbacks (called in the event loop)."""
        self._client = client
        self._on_connect = on_connect
        self._on_disconnect = on_disconnect
        self._on_connect_error = on_connect_error
        self._wake = asyncio.Event()
        self.delay = MIN_DELAY

    def reconnect_now(self) -> None:
        """Skip the current backoff wait (e.g. the agent re-announced itself)."""
        self.delay = MIN_DELAY
        self._wake.set()

    async def run(self) -> None:
        """Listen; on a drop reconnect with backoff (1 s doubling, capped at 60 s)."""
        while True:
            if not self._client.connected:
                try:
                    info, snapshot = await self._client.connect()
                except ClientError as err:
                    self._on_connect_error(err)
                    if isinstance(err, RateLimited):
                        # The agent would refuse any attempt before then.
                        self.delay = max(self.delay, float(err.retry_after))
                    await self._sleep()
                    continue
                self.delay = MIN_DELAY
                self._on_connect(info, snapshot)
            await self._client.listen()
            self._on_disconnect()

    async def _sleep(self) -> None:
        """Wait for the current backoff delay, or until reconnect_now is called."""
        self._wake.clear()
        _LOGGER.debug("Reconnecting in %s s", self.delay)
        try:
            async with asyncio.timeout(self.delay):
                await self._wake.wait()
        except TimeoutError:
            self.delay = min(self.delay * 2, MAX_DELAY)
