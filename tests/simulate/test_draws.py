"""The simulator's cheap draws give exactly numpy's numbers and leave the stream where numpy leaves it.

Every planted truth depends on the random stream, so a numpy release that changed ``Generator.choice`` would
change them silently; these tests compare against ``choice`` itself on many seeds.
"""

from __future__ import annotations

import numpy as np
import pytest

from biomarker.simulate.rng_draws import choice_cdf, distinct_pair, pick, pick_weighted, quarter_ints
from biomarker.simulate.somatic_draws import FILTERS, OTHER_BASES

SEEDS = range(400)


def _pair(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    return np.random.default_rng([seed, 17]), np.random.default_rng([seed, 17])


@pytest.mark.parametrize("n", [2, 3, 20])
def test_distinct_pair_is_choice_without_replacement(n: int) -> None:
    for seed in SEEDS:
        ours, numpy_rng = _pair(seed)
        for _ in range(3):  # three in a row: the bit generator's buffered 32-bit half carries over
            expected = tuple(numpy_rng.choice(n, size=2, replace=False).tolist())
            assert distinct_pair(ours, n) == expected, seed
        assert ours.random() == numpy_rng.random()
        assert ours.integers(1 << 40) == numpy_rng.integers(1 << 40)


def test_quarter_ints_is_integers_below_four() -> None:
    for seed in SEEDS:
        ours, numpy_rng = _pair(seed)
        for size in (0, 1, 2, 3, 6):  # odd sizes drop the unused half of the last 64-bit output
            assert quarter_ints(ours, size) == numpy_rng.integers(0, 4, size=size).tolist()
        assert ours.random() == numpy_rng.random()


def test_pick_is_choice_without_p() -> None:
    for seed in SEEDS:
        ours, numpy_rng = _pair(seed)
        for options in (OTHER_BASES["C"], (1, 2, 4, 5), (3, 6), ("stop_gained", "frameshift_del", "splice_donor")):
            assert pick(ours, options) == numpy_rng.choice(options).item()
        assert ours.random() == numpy_rng.random()


def test_pick_weighted_is_choice_with_p() -> None:
    fp = np.asarray([p for _, p in FILTERS])
    p = fp / fp.sum()
    cdf = choice_cdf(p)
    sbs = np.random.default_rng(3).dirichlet(np.ones(96))
    sbs_cdf = choice_cdf(sbs)
    for seed in SEEDS:
        ours, numpy_rng = _pair(seed)
        for _ in range(5):
            assert pick_weighted(ours, cdf) == int(numpy_rng.choice(len(p), p=p))
            assert pick_weighted(ours, sbs_cdf) == int(numpy_rng.choice(96, p=sbs))
        assert ours.random() == numpy_rng.random()
