"""One value-range rule, and the transforms, plots and PNG writers all following it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tutorial_lib as tl
from tutorial_lib._image_files import scales_by_255
from tutorial_lib._value_range import finite_min_max, fits_range, guess_value_range

INT_DTYPES = [np.uint8, np.int8, np.uint16, np.int16, np.int32, np.int64, np.uint32]


@pytest.mark.parametrize(
    "arr, expected",
    [
        (np.array([0, 255], np.uint8), (0.0, 255.0)),
        (np.array([0, 255], np.int32), (0.0, 255.0)),
        (np.array([0, 256], np.int32), (-(2.0**31), 2.0**31 - 1)),
        (np.array([0, 4000], np.uint16), (0.0, 65535.0)),
        (np.array([-1, 5], np.int16), (-32768.0, 32767.0)),
        (np.array([0, 100], np.int8), (-128.0, 127.0)),  # cannot hold 255
        (np.array([True, False]), (0.0, 1.0)),
        (np.array([0.0, 1.0]), (0.0, 1.0)),
        (np.array([0.0, 1.0001]), (0.0, 255.0)),
        (np.array([-0.5, 0.5]), (0.0, 255.0)),  # outside both: the caller decides
        (np.array([0.2, np.nan, np.inf]), (0.0, 1.0)),  # non-finite values are ignored
        (np.array([np.nan, np.nan]), (0.0, 1.0)),
    ],
)
def test_the_rule(arr, expected):
    assert guess_value_range(arr) == expected


def test_finite_min_max_ignores_non_finite_values():
    assert finite_min_max(np.array([3.0, -np.inf, 1.0, np.nan])) == (1.0, 3.0)
    assert finite_min_max(np.array([np.nan, np.inf])) is None
    assert finite_min_max(np.zeros((0, 3))) is None
    assert fits_range(np.array([np.nan]), 0, 1)
    assert not fits_range(np.array([-1e-9, 0.5]), 0, 1)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), dtype=st.sampled_from(INT_DTYPES))
def test_integer_images_always_fit_their_guess(data, dtype):
    arr = data.draw(hnp.arrays(dtype, hnp.array_shapes(min_dims=2, max_dims=3, max_side=5)))
    low, high = guess_value_range(arr)
    info = np.iinfo(dtype)
    assert float(info.min) <= low < high <= float(info.max)
    assert fits_range(arr, low, high)
    assert (low, high) == (0.0, 255.0) or (low, high) == (float(info.min), float(info.max))


@settings(max_examples=60, deadline=None)
@given(arr=hnp.arrays(np.float64, (4, 5), elements=st.floats(0, 1)))
def test_unit_floats_are_0_1_for_every_consumer(arr):
    assert guess_value_range(arr) == (0.0, 1.0)
    shown, stretched = tl.to_displayable(arr)
    assert not stretched and np.array_equal(shown, arr)
    assert scales_by_255(arr)
    salted = tl.salt_and_pepper(arr, amount=1.0, salt_vs_pepper=1.0, seed=0)
    assert np.all(salted == 1.0)


@settings(max_examples=60, deadline=None)
@given(
    values=hnp.arrays(np.int64, (4, 5), elements=st.integers(0, 255)),
    dtype=st.sampled_from([np.uint8, np.uint16, np.int16, np.int32, np.int64]),
)
def test_integers_holding_0_255_are_0_255_for_every_consumer(values, dtype):
    arr = values.astype(dtype)
    assert guess_value_range(arr) == (0.0, 255.0)
    shown, stretched = tl.to_displayable(arr)
    assert not stretched
    np.testing.assert_allclose(shown, values if dtype == np.uint8 else values / 255.0)
    assert not scales_by_255(arr)
    salted = tl.salt_and_pepper(arr, amount=1.0, salt_vs_pepper=1.0, seed=0)
    assert salted.dtype == dtype and np.all(salted == 255)


def test_wide_integer_images_get_their_dtype_range():
    arr = np.array([[0, 4000], [10, 20]], np.uint16)
    assert np.all(tl.salt_and_pepper(arr, amount=1.0, salt_vs_pepper=1.0, seed=0) == 65535)
    shown, stretched = tl.to_displayable(arr)
    assert stretched and shown.max() == 1.0 and shown.min() == 0.0


def test_transforms_refuse_non_finite_images_and_floats_outside_both_ranges():
    with pytest.raises(ValueError, match="NaN or infinite"):
        tl.gaussian_noise(np.array([[0.5, np.nan]]), seed=0)
    with pytest.raises(ValueError, match="value_range"):
        tl.gaussian_noise(np.array([[-0.5, 0.5]]), seed=0)


def test_plots_refuse_non_finite_values_rather_than_show_holes():
    with pytest.raises(ValueError, match=r"`image` holds 1 NaN and 1 infinite"):
        tl.to_displayable(np.array([[-2.0, 2.0, np.inf, np.nan]]))
    with pytest.raises(ValueError, match=r"`image` holds 1 NaN and 0 infinite"):
        tl.to_displayable(np.array([[0.0, 0.5, np.nan]]))
