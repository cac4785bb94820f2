"""The reference FASTA's fast writer of ``N`` runs lays out exactly the lines the general writer does."""

from __future__ import annotations

import numpy as np

from biomarker.simulate.fasta import LINE, _lines, _n_run


def test_n_runs_match_the_general_line_writer() -> None:
    cases = [(col, end, length) for col in range(0, 130) for end in range(col + 1, 130) for length in (end, 130, 185)]
    rng = np.random.default_rng(5)
    for _ in range(500):  # long runs: thousands of bases, as between two capture targets
        length = int(rng.integers(1, 50_000))
        col = int(rng.integers(0, length))
        cases.append((col, int(rng.integers(col + 1, length + 1)), length))
    for col, end, length in cases:
        expected = _lines(np.full(end - col, ord("N"), dtype=np.uint8), col, length)
        assert _n_run(col, end, length) == expected, (col, end, length)
    assert LINE == 60  # the cases above cross line ends at 60 and 120
