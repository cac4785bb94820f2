"""NNLS exposures: planted mixtures recovered at realistic SNV counts, CIs, the SNV minimum, matrix files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from biomarker.errors import InputError
from biomarker.genomic.signatures import fit_exposures, read_signature_file, select_signatures
from biomarker.simulate.signatures import MIXTURES, SIGNATURES, draw_mixture, signature_matrix, write_signature_matrix

W = signature_matrix()


def _errors(n_snvs: int, n_tumours: int, seed: int) -> tuple[np.ndarray, float]:
    rng = np.random.default_rng(seed)
    errs, covered, total = [], 0, 0
    for i in range(n_tumours):
        mix = draw_mixture(rng, smoker=i % 2 == 0)
        counts = rng.multinomial(n_snvs, W @ mix)
        e = fit_exposures(counts, W, list(SIGNATURES), min_snvs=50, n_boot=100, rng=rng)
        errs.append(np.abs(e.frac - mix).max())
        covered += int(((e.ci_low - 1e-9 <= mix) & (mix <= e.ci_high + 1e-9)).sum())
        total += len(mix)
    return np.asarray(errs), covered / total


@pytest.mark.parametrize("n_snvs,median_tol,p90_tol", [(100, 0.13, 0.22), (300, 0.08, 0.14), (1000, 0.045, 0.08)])
def test_planted_exposures_are_recovered(n_snvs: int, median_tol: float, p90_tol: float) -> None:
    # error = the largest absolute error over the 5 signatures of a tumour; measured over 200 tumours
    # (benchmarks/signatures_recovery.py): median 0.088 / 0.049 / 0.026, 90th centile 0.164 / 0.090 / 0.049
    errs, coverage = _errors(n_snvs, 60, seed=n_snvs)
    assert np.median(errs) < median_tol
    assert np.percentile(errs, 90) < p90_tol
    assert coverage > 0.80  # percentile bootstrap of a non-negative fit: near, not at, 95%


def test_smokers_get_more_sbs4() -> None:
    rng = np.random.default_rng(3)
    k = SIGNATURES.index("SBS4")
    est = {True: [], False: []}
    for i in range(40):
        smoker = i % 2 == 0
        counts = rng.multinomial(300, W @ draw_mixture(rng, smoker))
        est[smoker].append(fit_exposures(counts, W, list(SIGNATURES), n_boot=0).frac[k])
    assert np.mean(est[True]) - np.mean(est[False]) > 0.3
    assert MIXTURES[True][k] - MIXTURES[False][k] == pytest.approx(0.47)


def test_too_few_snvs_gives_no_exposures() -> None:
    counts = np.zeros(96, dtype=int)
    counts[:49] = 1
    e = fit_exposures(counts, W, list(SIGNATURES), min_snvs=50)
    assert e.frac is None and e.cosine is None and "49 SNVs, below the minimum of 50" in e.reason


def test_exact_profile_gives_its_signature_and_cosine_one() -> None:
    counts = np.round(W[:, 2] * 1e6)
    e = fit_exposures(counts, W, list(SIGNATURES), n_boot=20)
    assert e.frac[2] == pytest.approx(1.0, abs=1e-3)
    assert e.cosine == pytest.approx(1.0, abs=1e-6)
    assert e.ci_low[2] > 0.99


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=96, max_size=96).filter(lambda c: sum(c) >= 50))
def test_exposures_are_fractions(counts: list[int]) -> None:
    e = fit_exposures(np.asarray(counts), W, list(SIGNATURES), n_boot=10)
    assert np.all(e.frac >= 0) and e.frac.sum() == pytest.approx(1.0)
    assert 0 <= e.cosine <= 1 + 1e-9
    assert np.all(e.ci_low <= e.ci_high)


def test_signature_file_round_trip_and_selection(tmp_path: Path) -> None:
    path = write_signature_matrix(tmp_path / "sbs.tsv")
    ref = read_signature_file(path)
    assert ref.signatures == list(SIGNATURES)
    np.testing.assert_allclose(ref.matrix.to_numpy(), W, atol=1e-9)
    chosen, warnings = select_signatures(ref, "lung")
    assert chosen == ["SBS1", "SBS2", "SBS4", "SBS5", "SBS13"]
    assert any("SBS18" in w for w in warnings)
    assert len(ref.sha256) == 64


def test_bad_signature_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("Type\tSBS1\nA[C>A]A\t1\n")
    with pytest.raises(InputError, match="95 of the 96 SBS channels are missing"):
        read_signature_file(path)


def test_packaged_cosmic_when_installed() -> None:
    pytest.importorskip("SigProfilerAssignment")
    from biomarker.genomic.signatures import packaged_cosmic

    ref = packaged_cosmic("3.4", "GRCh38")
    assert ref.matrix.shape == (96, 86) and "SigProfilerAssignment" in ref.version
    chosen, warnings = select_signatures(ref, "lung")
    assert chosen == ["SBS1", "SBS2", "SBS4", "SBS5", "SBS13", "SBS18", "SBS40a"] and not warnings
    # SBS4 (tobacco) is mostly C>A: a pure-SBS4 catalogue is fitted as SBS4
    w = ref.matrix[chosen].to_numpy()
    e = fit_exposures(np.round(w[:, 2] * 1000), w, chosen, n_boot=0)
    assert e.frac[2] > 0.95


def test_missing_package_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from biomarker.errors import ConfigError
    from biomarker.genomic.signatures import packaged_cosmic

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r"nsclc-biomarker\[signatures\].*--signatures FILE"):
        packaged_cosmic()
