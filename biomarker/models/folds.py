"""Stratified K-fold splits, the same assignments as scikit-learn's ``StratifiedKFold(shuffle=True)``.

The models split small integer outcome vectors thousands of times (every outer fold, every inner ``C`` search,
every permutation). scikit-learn 1.9 spends ~850 us a call validating its input (type of target through
narwhals), several times the cost of the ridge fits the split feeds. This module draws the very same folds from
the same ``RandomState`` stream (``tests/models/test_folds.py`` compares them with scikit-learn's on thousands of
outcome vectors, so a release that changes the algorithm fails there, not silently in the figures).
"""

from __future__ import annotations

import threading

import numpy as np

# constructing a RandomState costs ~160 us, reseeding one ~2 us; the same legacy seeding gives the same stream
_LOCAL = threading.local()


def _random_state(seed: int) -> np.random.RandomState:
    """This thread's ``RandomState``, reseeded: the stream of ``numpy.random.RandomState(seed)``."""
    rng = getattr(_LOCAL, "rng", None)
    if rng is None:
        rng = _LOCAL.rng = np.random.RandomState()
    rng.seed(seed)
    return rng


def stratified_fold_ids(y: np.ndarray, n_splits: int, seed: int) -> np.ndarray:
    """The test fold (``0 .. n_splits-1``) of each sample.

    Each class's members are dealt to folds so that every fold's class counts differ by at most one (classes in
    order of first appearance, one round robin over the sorted labels), and each class's fold labels are then
    shuffled by ``numpy.random.RandomState(seed)``.

    Parameters
    ----------
    y
        Class labels (any sortable values).
    n_splits
        Number of folds; at least 2 and at most the size of the largest class.
    seed
        Seed of the shuffle (scikit-learn's ``random_state``).

    Examples
    --------
    >>> ids = stratified_fold_ids(np.array([0, 1, 0, 1, 0, 1, 0, 0]), 2, 0)
    >>> sorted(np.bincount(ids[[0, 2, 4, 6, 7]]).tolist()), sorted(np.bincount(ids[[1, 3, 5]]).tolist())
    ([2, 3], [1, 2])
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"stratified folds need a 1-d outcome, got shape {y.shape}")
    _, first, inverse = np.unique(y, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))  # sorted-label code -> order of first appearance
    encoded = rank[inverse]
    counts = np.bincount(encoded)
    if n_splits < 2 or n_splits > counts.max():
        raise ValueError(f"cannot make {n_splits} stratified folds of classes of sizes {counts.tolist()}")
    # the round robin over labels sorted by code: fold f takes positions f, f + k, f + 2k, ... of the sorted list,
    # so class c (positions start .. start + count - 1) gives fold f one member per such position in its range
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    folds = np.arange(n_splits)
    ids = np.empty(len(y), dtype=np.intp)
    rng = _random_state(seed)
    for code, (start, count) in enumerate(zip(starts, counts, strict=True)):
        first_hit = (folds - start) % n_splits
        per_fold = np.maximum(0, (count - first_hit + n_splits - 1) // n_splits)
        labels = np.repeat(folds, per_fold)
        rng.shuffle(labels)
        ids[encoded == code] = labels
    return ids


def stratified_folds(y: np.ndarray, n_splits: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(train, test)`` index arrays of each fold, ascending, as ``StratifiedKFold(n_splits, shuffle=True,
    random_state=seed).split(X, y)`` yields them.

    Examples
    --------
    >>> [test.tolist() for _, test in stratified_folds(np.array([0, 0, 1, 1]), 2, 3)]
    [[1, 3], [0, 2]]
    """
    ids = stratified_fold_ids(y, n_splits, seed)
    index = np.arange(len(ids))
    return [(index[ids != f], index[ids == f]) for f in range(n_splits)]


__all__ = ["stratified_fold_ids", "stratified_folds"]
