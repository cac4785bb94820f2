"""Independent random streams of the simulator: ``default_rng([seed, STREAM, patient])``, so adding draws to
one part of a study never shifts another's."""

from __future__ import annotations

import numpy as np

S_BASELINE, S_IDS, S_VARIANTS, S_RESPONSE, S_COURSE, S_TREAT, S_TBNK, S_PDL1, S_FCS = range(1, 10)
S_GENOMIC = 10


def rng_for(seed: int, stream: int, i: int | None = None) -> np.random.Generator:
    """The generator of ``stream`` (for patient or item ``i`` when given) under ``seed``."""
    return np.random.default_rng([seed, stream] if i is None else [seed, stream, i])
