"""Reading any batch source once: arrays, indexable iterators, plain iterables."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutorial_lib import count_batches, iter_image_batches


@given(n=st.integers(1, 40), batch_size=st.integers(1, 50))
def test_an_array_is_cut_into_count_batches_batches_holding_every_image_once(n, batch_size):
    data = np.arange(n, dtype=np.float32)[:, None, None, None] * np.ones((1, 2, 2, 1))
    batches = list(iter_image_batches(data, batch_size=batch_size))
    assert len(batches) == count_batches(data, batch_size=batch_size)
    assert all(len(b) == batch_size for b in batches[:-1]) and 1 <= len(batches[-1]) <= batch_size
    assert np.concatenate(batches)[:, 0, 0, 0].tolist() == list(range(n))


class _Indexable:
    """Like a Keras iterator: len() and it[i], and iterating it directly would never stop."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full((2, 3, 3, 1), i), np.zeros(2)

    def __iter__(self):
        while True:
            yield self[0]


def test_an_indexable_source_is_read_once_and_tuples_give_their_images():
    batches = list(iter_image_batches(_Indexable(3)))
    assert [int(b[0, 0, 0, 0]) for b in batches] == [0, 1, 2] and count_batches(_Indexable(3)) == 3


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, "8", None])
def test_a_bad_batch_size_is_refused_when_called_not_when_first_read(batch_size):
    for data in (np.zeros((4, 2, 2, 1)), _Indexable(2), iter([])):
        with pytest.raises(ValueError, match="`batch_size` must be an integer >= 1, got"):
            iter_image_batches(data, batch_size=batch_size)  # no next(): the call itself raises
        with pytest.raises(ValueError, match="`batch_size`"):
            count_batches(data, batch_size=batch_size)


def test_data_that_is_no_batch_source_is_refused_naming_it():
    with pytest.raises(TypeError, match="`data` must be an array .* got int"):
        iter_image_batches(5)
    with pytest.raises(TypeError, match="`data` .* got str"):
        iter_image_batches("images/")
    with pytest.raises(ValueError, match=r"`data` must have shape \(n, height, width"):
        iter_image_batches(np.zeros((4, 4)))


@pytest.mark.parametrize("data", [None, "images/", 3.5, np.zeros((2, 2)), np.zeros((1,) * 5)])
def test_count_batches_refuses_what_iter_image_batches_refuses(data):
    for fn in (count_batches, iter_image_batches):
        with pytest.raises(ValueError, match="`data` must"):
            fn(data)


def test_a_batch_that_holds_no_images_is_refused_when_it_is_read():
    batches = iter_image_batches([np.zeros((2, 3, 3)), (1, 2, 3)])
    assert next(batches).shape == (2, 3, 3)
    with pytest.raises(ValueError, match=r"`data` yielded a batch of shape \(3,\); expected"):
        next(batches)


def test_messages_can_use_the_callers_argument_name():
    with pytest.raises(TypeError, match="^`x` must be an array"):
        iter_image_batches(None, name="x")
    with pytest.raises(ValueError, match=r"^`x` must have shape"):
        count_batches(np.zeros(3), name="x")
    with pytest.raises(ValueError, match="^`x` yielded a batch of shape"):
        list(iter_image_batches([np.zeros(3)], name="x"))
