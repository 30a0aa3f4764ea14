"""A worker task that only waits: it keeps a worker busy in queue tests."""

from __future__ import annotations

import time


def wait_then_echo(payload: str, seconds: float) -> str:
    """Sleep ``seconds`` in the worker process, then return ``payload``."""
    time.sleep(seconds)
    return payload
