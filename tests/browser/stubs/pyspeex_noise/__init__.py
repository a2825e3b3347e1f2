"""Import-only stand-in for pyspeex-noise 1.0.2 in the browser test's `hass` (see ../README.md).

Home Assistant imports it with every base platform (assist_satellite → assist_pipeline)
but only uses it to clean voice audio, which the browser test never sends.
"""


class AudioProcessor:
    """Refuses to run: the browser test has no voice pipeline."""

    def __init__(self, auto_gain: int, noise_suppression: int) -> None:
        """Fail loudly if anything really tries to process audio."""
        raise RuntimeError("pyspeex_noise is an import-only stand-in in tests/browser")
