"""The models' preprocessing (median imputation with missing indicators, standardisation, one-hot categories)
by hand and against scikit-learn's imputer and scaler."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from biomarker.models.estimators import Preprocessor, _column_medians


def test_by_hand():
    X = pd.DataFrame({"tmb": [1.0, None, 3.0, 8.0], "cat": ["a", None, "b", "a"]})
    pre = Preprocessor(["tmb"], ["cat"])
    out = pre.fit_transform(X)
    # median of 1, 3, 8 is 3; the imputed column 1, 3, 3, 8 has mean 3.75 and population SD sqrt(6.6875)
    assert pre.medians_.tolist() == [3.0]
    assert out[:, 0] == pytest.approx((np.array([1, 3, 3, 8]) - 3.75) / np.sqrt(6.6875))
    indicator = np.array([0, 1, 0, 0])  # mean 0.25, SD sqrt(0.1875)
    assert out[:, 1] == pytest.approx((indicator - 0.25) / np.sqrt(0.1875))
    assert list(pre.get_feature_names_out()) == ["tmb", "missingindicator_tmb", "cat_a", "cat_b", "cat_missing"]
    assert out[:, 2:].tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0]]
    new = pre.transform(pd.DataFrame({"tmb": [None], "cat": ["unseen"]}))  # unknown levels: all zero
    assert new[0, 2:].tolist() == [0, 0, 0] and new[0, 0] == pytest.approx((3 - 3.75) / np.sqrt(6.6875))


column = st.lists(st.one_of(st.none(), st.floats(-1e3, 1e3)), min_size=3, max_size=30)


@settings(max_examples=40, deadline=None)
@given(st.lists(column, min_size=1, max_size=4), st.data())
def test_numbers_as_scikit_learn_imputes_and_scales_them(columns, data):
    n = min(len(c) for c in columns)
    frame = pd.DataFrame({f"x{i}": pd.array(c[:n], dtype="Float64") for i, c in enumerate(columns)})
    frame = frame.astype(float)
    observed = frame.notna().any()
    names = list(frame.columns[observed])
    if not names:
        return
    pre = Preprocessor(names, [], indicators=[])
    fitted = pre.fit_transform(frame)
    assert np.array_equal(fitted, Preprocessor(names, [], indicators=[]).fit(frame).transform(frame))
    assert np.array_equal(pre.medians_, np.nanmedian(frame[names].to_numpy(), axis=0))
    reference = make_pipeline(SimpleImputer(strategy="median"), StandardScaler()).fit_transform(frame[names])
    np.testing.assert_allclose(fitted, reference, atol=1e-9)


def test_column_medians_equal_numpy_s_nanmedian_to_the_bit():
    rng = np.random.default_rng(4)
    for _ in range(500):
        values = np.round(rng.normal(size=(int(rng.integers(1, 50)), 4)) * 10, int(rng.integers(0, 3)))
        values[rng.random(values.shape) < 0.3] = np.nan
        values[:, 3] = np.nan
        with pytest.warns(RuntimeWarning, match="All-NaN"):
            expected = np.nanmedian(values, axis=0)
        assert np.array_equal(_column_medians(values), expected, equal_nan=True)


def test_a_constant_column_is_centred_not_divided_by_rounding_noise():
    """Three copies of 0.1 have a computed SD of 1.4e-17 (the mean is off in the last bit); dividing by it made
    the column +-1-sized noise (each value (0.1 - mean) / 1.4e-17). A constant column stays ~0."""
    X = pd.DataFrame({"c": [0.1, 0.1, 0.1], "x": [1.0, 2.0, 4.0]})
    assert X["c"].to_numpy().std() > 0  # the rounding this guards against
    out = Preprocessor(["c", "x"], [], indicators=[]).fit_transform(X)
    assert np.abs(out[:, 0]).max() < 1e-12
    assert out[:, 1].std() == pytest.approx(1.0)


def test_numbers_of_every_column_dtype():
    """numpy ints, floats and bools, pandas' nullable Int64/Float64/boolean (pd.NA) and text read as the same
    floats, missing as NaN."""
    from biomarker.models.estimators import _numbers

    X = pd.DataFrame(
        {
            "i": np.array([3, -1, 2**40], dtype="int64"),
            "u": np.array([1, 2, 3], dtype="uint8"),
            "f": [0.5, np.nan, 2.0],
            "b": [True, False, True],
            "I": pd.array([1, None, 3], dtype="Int64"),
            "F": pd.array([None, 1.5, 2.5], dtype="Float64"),
            "B": pd.array([True, None, False], dtype="boolean"),
            "t": ["4.5", "NA", "x"],
        }
    )
    expected = [
        [3, 1, 0.5, 1, 1, np.nan, 1, 4.5],
        [-1, 2, np.nan, 0, np.nan, 1.5, np.nan, np.nan],
        [2**40, 3, 2.0, 1, 3, 2.5, 0, np.nan],
    ]
    np.testing.assert_array_equal(_numbers(X, list(X.columns)), np.array(expected, dtype=float))
