"""Timing: a stopwatch, the jitted-loop harness every ceiling uses, and the machine's load.

A ceiling is timed as a jitted ``jax.lax.fori_loop`` of many repetitions, so that Python's
dispatch is paid once per loop, not once per repetition: :func:`loop_timer` compiles such a
loop, sizes it and returns its stopwatch.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable


def load() -> float:
    """The 1-minute load average (it includes this benchmark's own threads, about 1-2)."""
    return os.getloadavg()[0]


def busy_before(seconds: float = 2.0) -> float | None:
    """Fraction of all CPU time used (by others) while this script sleeps: Linux only."""
    try:

        def snap():
            with open("/proc/stat") as f:
                v = [int(t) for t in f.readline().split()[1:]]
            return v[3] + v[4], sum(v)

        idle0, total0 = snap()
        time.sleep(seconds)
        idle1, total1 = snap()
        return 1.0 - (idle1 - idle0) / max(1, total1 - total0)
    except OSError:
        return None


def timed(f) -> float:
    """Seconds that ``f()`` takes."""
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


def loop_timer(loop, args: tuple, seconds: float) -> Callable[[], float]:
    """A stopwatch for ``loop(*args, reps)``, a jitted loop of ``reps`` repetitions.

    Compiles the loop, picks ``reps`` (3 to 2,000) so that one call takes about ``seconds``,
    and returns a function that times one call and gives the seconds per repetition.
    """
    import jax

    def call(reps):
        jax.block_until_ready(loop(*args, reps))

    call(1)  # compile (reps is traced: one compilation for every count)
    one = timed(lambda: call(3)) / 3
    reps = max(3, min(2000, int(seconds / max(one, 1e-6))))
    return lambda: timed(lambda: call(reps)) / reps

