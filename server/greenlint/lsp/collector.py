"""When the language server collects garbage: between bursts of edits, not in the middle of an analysis."""

from __future__ import annotations

import asyncio
import gc


class IdleCollector:
    """Garbage collection between bursts of edits instead of in the middle of an analysis.

    Analyses free their trees by reference counting (see ModuleFacts.release); automatic collection is off
    in the server, and a full collection runs once the document has been quiet for IDLE_SECONDS (or after
    MAX_ANALYSES analyses without a pause).
    """

    IDLE_SECONDS = 1.0
    MAX_ANALYSES = 100

    def __init__(self) -> None:
        self.count = 0
        self.timer: asyncio.TimerHandle | None = None

    def analysed(self) -> None:
        self.count += 1
        if self.timer is not None:
            self.timer.cancel()
        if self.count >= self.MAX_ANALYSES:
            self.collect()
        else:
            self.timer = asyncio.get_running_loop().call_later(self.IDLE_SECONDS, self.collect)

    def collect(self) -> None:
        self.count = 0
        self.timer = None
        gc.collect()
