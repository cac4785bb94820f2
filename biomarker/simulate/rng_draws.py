"""Draws that give exactly the numbers, and leave the stream exactly where, numpy's ``Generator`` methods do,
without their per-call overhead (argument checks, array building) that dominates the simulator's scalar draws.

Each function names the ``Generator`` call it stands for; ``tests/simulate/test_draws.py`` compares them with
numpy on many seeds, so a numpy release that changes an algorithm is caught there. The 32- and 64-bit outputs
are read through the bit generator's public ``ctypes`` interface.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def pick(rng: np.random.Generator, options: Sequence[T]) -> T:
    """One of ``options``, uniformly: the same draw (and the same stream) as ``rng.choice(options)``.

    ``Generator.choice`` without ``p`` draws ``rng.integers(0, len(options))`` and indexes, but first builds an
    array from ``options``, which costs several times the draw itself.
    """
    return options[int(rng.integers(len(options)))]


def choice_cdf(p: Sequence[float] | np.ndarray) -> list[float]:
    """The cumulative probabilities ``Generator.choice(..., p=p)`` searches (for :func:`pick_weighted`)."""
    cdf = np.asarray(p, dtype=float).cumsum()
    cdf /= cdf[-1]
    return cdf.tolist()


def pick_weighted(rng: np.random.Generator, cdf: list[float]) -> int:
    """Index drawn with the probabilities behind ``cdf`` (:func:`choice_cdf`).

    The same draw and stream as ``rng.choice(len(cdf), p=p)``: one ``rng.random()`` searched (right side) in
    the same normalised cumulative sum, without ``choice``'s per-call checks of ``p``.
    """
    return bisect.bisect_right(cdf, rng.random())


def _bounded_u32(next_u32: Callable[[], int], high: int) -> int:
    """An integer in ``[0, high]`` (``high < 2**32 - 1``) from the bit generator's 32-bit output (Lemire's
    method, as numpy's C; ``high == 0`` draws nothing)."""
    if high == 0:
        return 0
    span = high + 1
    m = next_u32() * span
    if (m & 0xFFFFFFFF) < span:
        threshold = (0xFFFFFFFF - high) % span
        while (m & 0xFFFFFFFF) < threshold:
            m = next_u32() * span
    return m >> 32


def distinct_pair(rng: np.random.Generator, n: int) -> tuple[int, int]:
    """Two different indices below ``n``: the same draws and stream as ``rng.choice(n, size=2, replace=False)``.

    numpy draws them with Floyd's algorithm (``j`` uniform in ``[0, n-2]``, then in ``[0, n-1]`` with ``n-1``
    taken instead of a repeat) and shuffles them (one draw in ``[0, 1]``), each from the bit generator's
    buffered 32-bit output. Reading that output through the generator's public ``ctypes`` interface gives the
    same numbers at a fifth of ``choice``'s cost; ``tests/simulate/test_draws.py`` checks the equivalence.
    """
    ct = rng.bit_generator.ctypes
    next_u32, state = ct.next_uint32, ct.state

    def u32() -> int:
        return next_u32(state)

    first = _bounded_u32(u32, n - 2)
    second = _bounded_u32(u32, n - 1)
    if second == first:
        second = n - 1
    return (second, first) if _bounded_u32(u32, 1) == 0 else (first, second)


def quarter_ints(rng: np.random.Generator, size: int) -> list[int]:
    """``size`` integers in ``[0, 4)``: the same numbers and stream as ``rng.integers(0, 4, size=size)``.

    numpy fills the array with Lemire's method on the bit generator's 32-bit outputs; with 4 values nothing is
    ever rejected, so each number is the top two bits of one 32-bit output.
    """
    ct = rng.bit_generator.ctypes
    next_u32, state = ct.next_uint32, ct.state
    return [next_u32(state) >> 30 for _ in range(size)]
