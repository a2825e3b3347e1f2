"""Import-only stand-in for pymicro-vad 1.0.1 in the browser test's `hass` (see ../README.md).

Home Assistant imports it with every base platform (assist_satellite → assist_pipeline)
but only uses it to process voice audio, which the browser test never sends.
"""


class MicroVad:
    """Refuses to run: the browser test has no voice pipeline."""

    def __init__(self) -> None:
        """Fail loudly if anything really tries to detect voice activity."""
        raise RuntimeError("pymicro_vad is an import-only stand-in in tests/browser")
