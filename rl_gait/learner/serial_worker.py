"""One background thread that runs submitted calls in order: the hybrid learner's discriminator updates.

Why a thread: within an iteration the discriminator's minibatch updates do not depend on the policy's (their
inputs are the batch's observations and the demonstrations; the style reward was computed from the
discriminator before either update), and the synchronous PPO iteration leaves the EnvRunners' cores idle
during the update. torch releases the GIL inside its kernels, and the networks' arithmetic is ~80 % of the
update (docs/throughput.md), so the two updates run on two cores.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any


class SerialWorker:
    """Runs calls on one thread, first submitted first run; :meth:`drain` waits for all and returns their
    results in order (raising the first call's error, after every call has finished). ``cpu_s`` counts the CPU
    seconds its thread has spent in the calls (for benchmarks)."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._pool: ThreadPoolExecutor | None = None  # made on first use (a learner may never update)
        self._pending: list[Future] = []
        self.cpu_s = 0.0

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        """Queue ``fn(*args)``; its future (also among :meth:`drain`'s results)."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._name)
        future = self._pool.submit(self._timed, fn, *args)
        self._pending.append(future)
        return future

    def _timed(self, fn: Callable[..., Any], *args: Any) -> Any:
        c0 = time.thread_time()
        try:
            return fn(*args)
        finally:
            self.cpu_s += time.thread_time() - c0

    def drain(self) -> list[Any]:
        """The results of every call submitted since the last drain, in submission order."""
        pending, self._pending = self._pending, []
        wait(pending)
        return [f.result() for f in pending]

    def discard(self) -> None:
        """Wait for every pending call and drop its result or error (after a failure elsewhere)."""
        pending, self._pending = self._pending, []
        wait(pending)

    @property
    def idle(self) -> bool:
        return not self._pending

    def close(self) -> None:
        self.discard()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
