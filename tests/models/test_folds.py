"""The own stratified splitter deals exactly the folds scikit-learn's ``StratifiedKFold(shuffle=True)`` deals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import StratifiedKFold

from biomarker.models.folds import stratified_fold_ids, stratified_folds

# scikit-learn warns when a class is smaller than the fold count; both sides deal the folds all the same
pytestmark = pytest.mark.filterwarnings("ignore:The least populated class")


def _sklearn(y: np.ndarray, k: int, seed: int) -> list[tuple[list[int], list[int]]]:
    split = StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y)
    return [(train.tolist(), test.tolist()) for train, test in split]


def _ours(y: np.ndarray, k: int, seed: int) -> list[tuple[list[int], list[int]]]:
    return [(train.tolist(), test.tolist()) for train, test in stratified_folds(y, k, seed)]


@settings(max_examples=200, deadline=None)
@given(
    labels=st.lists(st.integers(0, 2), min_size=4, max_size=70),
    k=st.integers(2, 6),
    seed=st.integers(0, 2**31 - 2),
)
def test_same_folds_as_scikit_learn(labels, k, seed):
    y = np.array(labels)
    if k > np.bincount(y).max():
        return
    assert _ours(y, k, seed) == _sklearn(y, k, seed)


def test_same_folds_on_the_outcome_vectors_the_models_split():
    """Binary outcomes of trial size, 200 seeds."""
    rng = np.random.default_rng(5)
    for seed in range(200):
        n = int(rng.integers(20, 60))
        y = (rng.random(n) < rng.uniform(0.15, 0.6)).astype(int)
        if min(np.bincount(y, minlength=2)) < 3:
            continue
        for k in (3, 5):
            assert _ours(y, k, seed) == _sklearn(y, k, seed), (seed, k)


def test_classes_are_ordered_by_first_appearance_not_by_value():
    """Labels 1 before 0 (and strings) deal the same folds as scikit-learn, whose class order decides the stream."""
    y = np.array([1, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0])
    assert _ours(y, 3, 11) == _sklearn(y, 3, 11)
    s = np.array(["R", "N", "N", "R", "N", "N", "R", "N"])
    assert _ours(s, 2, 4) == _sklearn(s, 2, 4)


def test_fold_sizes_by_hand():
    """7 non-responders and 5 responders in 3 folds: sorted round robin gives 3/2/2 and 2/2/1."""
    y = np.array([0] * 7 + [1] * 5)
    ids = stratified_fold_ids(y, 3, 0)
    assert np.bincount(ids[:7]).tolist() == [3, 2, 2]
    assert np.bincount(ids[7:]).tolist() == [1, 2, 2]


def test_more_folds_than_any_class_is_refused():
    with pytest.raises(ValueError, match="cannot make 4 stratified folds"):
        stratified_fold_ids(np.array([0, 0, 1, 1, 1]), 4, 0)
