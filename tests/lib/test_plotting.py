import matplotlib.figure
import numpy as np
import pytest

import tutorial_lib as tl
from tutorial_lib.plotting import to_displayable


def _visible(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


@pytest.mark.parametrize(
    "batch",
    [
        np.zeros((3, 10, 12), dtype=np.uint8),
        np.zeros((3, 10, 12, 1), dtype=np.uint8),
        np.random.default_rng(0).random((3, 10, 12, 3)),
        np.random.default_rng(0).integers(0, 255, (3, 10, 12, 4)).astype(np.uint8),
        np.random.default_rng(0).normal(size=(3, 10, 12, 3)).astype(np.float32),
    ],
)
def test_show_grid_accepts_channels_and_dtypes(batch):
    fig = tl.show_grid(batch, titles=["a", "b", "c"])
    assert isinstance(fig, matplotlib.figure.Figure)
    axes = _visible(fig)
    assert len(axes) == 3
    assert [ax.get_title().split("\n")[0] for ax in axes] == ["a", "b", "c"]


def test_show_grid_layout_and_hidden_panels():
    fig = tl.show_grid(np.zeros((7, 4, 4)), ncols=3)
    assert len(fig.axes) == 9 and len(_visible(fig)) == 7


def test_show_grid_marks_stretched_images():
    fig = tl.show_grid(np.full((1, 4, 4), -3.0) + np.arange(4.0))
    assert "stretched" in fig.axes[0].get_title()


def test_show_grid_accepts_list_of_different_sizes():
    fig = tl.show_grid([np.zeros((4, 4)), np.zeros((8, 6, 3), dtype=np.uint8)])
    assert len(_visible(fig)) == 2


@pytest.mark.parametrize(
    "args, arg",
    [
        ((np.zeros((4, 4)),), "images"),
        ((np.zeros((0, 4, 4)),), "images"),
        (([],), "images"),
        ((np.zeros((2, 4, 4)), ["a"]), "titles"),
    ],
)
def test_show_grid_bad_input(args, arg):
    with pytest.raises(ValueError, match=arg):
        tl.show_grid(*args)


def test_show_grid_rejects_two_channel_images():
    with pytest.raises(ValueError, match="image"):
        tl.show_grid(np.zeros((1, 4, 4, 2)))


def test_to_displayable_keeps_pixel_values():
    u8 = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    out, stretched = to_displayable(u8)
    assert out is u8 and not stretched
    f255 = u8.astype(np.float32) * 20
    out, stretched = to_displayable(f255)
    np.testing.assert_allclose(out, f255 / 255.0)
    assert not stretched
    gray, _ = to_displayable(np.zeros((3, 3, 1)))
    assert gray.shape == (3, 3)


@pytest.mark.parametrize(
    "bad, counts",
    [
        (np.inf, "0 NaN and 1 infinite"),
        (-np.inf, "0 NaN and 1 infinite"),
        (np.nan, "1 NaN and 0 infinite"),
    ],
)
@pytest.mark.parametrize("base", [np.full((4, 4), 0.5), np.full((4, 4, 3), 100.0)])
def test_to_displayable_refuses_nan_and_inf_never_turns_them_into_nan(bad, counts, base):
    image = base.copy()
    image.reshape(-1)[5] = bad  # one value, in one channel
    with pytest.raises(ValueError, match=rf"`image` holds {counts} value\(s\).*nan_to_num"):
        to_displayable(image)
    with pytest.raises(ValueError, match="`image` holds"):
        tl.show_grid(image[None])  # what the plots draw goes through the same rule
    fixed, _ = to_displayable(np.nan_to_num(image, nan=0.0, posinf=1.0, neginf=0.0))
    assert np.all(np.isfinite(fixed))


@pytest.mark.parametrize(
    "image", [np.zeros((0, 4)), np.zeros((2, 2), complex), np.array([["a", "b"]])]
)
def test_to_displayable_refuses_empty_and_non_numeric_images(image):
    with pytest.raises(ValueError, match="`image` must be a non-empty array"):
        to_displayable(image)


def test_show_before_after_one_row_per_original():
    x = np.random.default_rng(1).random((3, 8, 8, 3))
    aug = np.stack([x[:, ::-1], x[:, :, ::-1]], axis=1)  # (3, 2, 8, 8, 3)
    fig = tl.show_before_after(x, aug, augmented_titles=["v-flip", "h-flip"])
    assert len(fig.axes) == 9
    assert fig.axes[0].get_title() == "original"
    assert fig.axes[1].get_title() == "v-flip"
    # each row's first panel shows the original itself
    shown = fig.axes[3].images[0].get_array()
    np.testing.assert_allclose(shown, x[1])


def test_show_before_after_single_version_and_crops():
    x = np.zeros((2, 10, 10), dtype=np.uint8)
    crops = [x[0, 2:8, 2:8], x[1, :5, :5]]
    fig = tl.show_before_after(x, crops)
    assert len(fig.axes) == 4


def test_show_before_after_bad_input():
    x = np.zeros((2, 8, 8))
    with pytest.raises(ValueError, match="augmented"):
        tl.show_before_after(x, np.zeros((3, 8, 8)))
    with pytest.raises(ValueError, match="augmented"):
        tl.show_before_after(x, np.zeros((2,)))
    with pytest.raises(ValueError, match="augmented_titles"):
        tl.show_before_after(x, np.zeros((2, 8, 8)), augmented_titles=["a", "b"])
    with pytest.raises(ValueError, match="originals"):
        tl.show_before_after(np.zeros((8, 8)), np.zeros((8, 8)))


def test_show_mask_overlay_colours_labels_consistently():
    images = np.zeros((2, 6, 6, 3), dtype=np.uint8)
    masks = np.zeros((2, 6, 6), dtype=np.uint8)
    masks[0, :3] = 1
    masks[1, :3] = 1
    masks[1, 3:] = 2
    fig = tl.show_mask_overlay(images, masks)
    over0 = fig.axes[0].images[1].get_array()
    over1 = fig.axes[1].images[1].get_array()
    np.testing.assert_allclose(over0[0, 0], over1[0, 0])  # label 1 same colour in both panels
    assert over0[5, 5, 3] == 0  # background left clear
    assert not np.allclose(over1[0, 0], over1[5, 5])  # labels 1 and 2 differ


def test_show_mask_overlay_bad_input():
    with pytest.raises(ValueError, match="masks"):
        tl.show_mask_overlay(np.zeros((2, 6, 6, 3)), np.zeros((2, 5, 6), dtype=int))
    with pytest.raises(ValueError, match="masks"):
        tl.show_mask_overlay(np.zeros((2, 6, 6, 3)), np.zeros((2, 6, 6)))


@pytest.mark.parametrize(
    "show",
    [
        lambda x, m, titles: tl.show_grid(x, titles=titles),
        lambda x, m, titles: tl.show_before_after(x, x[:, ::-1], titles=titles),
        lambda x, m, titles: tl.show_mask_overlay(x, m, titles=titles),
    ],
    ids=["grid", "before_after", "overlay"],
)
def test_every_show_function_checks_its_titles(show):
    x = np.zeros((3, 6, 6, 3), dtype=np.uint8)
    m = np.zeros((3, 6, 6), dtype=np.uint8)
    for wrong in (["a", "b"], ["a", "b", "c", "d"]):
        with pytest.raises(ValueError, match=rf"`titles` has {len(wrong)} entries, expected 3"):
            show(x, m, wrong)
    with pytest.raises(TypeError, match="`titles` must be a sequence.*got str 'abc'"):
        show(x, m, "abc")  # three letters, but surely not three titles
    with pytest.raises(TypeError, match="`titles`.*got generator"):
        show(x, m, (t for t in "abc"))
    for right in (("a", "b", "c"), np.array([0, 1, 2])):  # tuples and label arrays are fine
        fig = show(x, m, right)
        assert str(right[1]) in " ".join(ax.get_title() for ax in fig.axes)


def test_show_functions_name_the_panel_they_cannot_show():
    with pytest.raises(ValueError, match=r"`images\[1\]` has 5 channels"):
        tl.show_grid([np.zeros((4, 4)), np.zeros((4, 4, 5))])
    with pytest.raises(ValueError, match=r"`augmented\[0\]\[1\]` is empty"):
        tl.show_before_after(np.zeros((1, 4, 4)), [[np.zeros((4, 4)), np.zeros((0, 4))]])
    with pytest.raises(ValueError, match=r"`originals` has 2 channels"):
        tl.show_before_after(np.zeros((1, 4, 4, 2)), np.zeros((1, 4, 4, 2)))
    with pytest.raises(ValueError, match=r"`alpha` must be in \[0.0, 1.0\], got -0.5"):
        tl.show_mask_overlay(np.zeros((1, 4, 4)), np.zeros((1, 4, 4), int), alpha=-0.5)
    with pytest.raises(TypeError, match="`scale` must be a finite number > 0, got str"):
        tl.show_grid(np.zeros((1, 4, 4)), scale="big")


def test_titles_grow_with_the_figure_so_they_stay_legible_in_the_text_column():
    images = np.zeros((8, 8, 8), np.uint8)
    narrow = tl.show_grid(images[:2], titles=["a", "b"], suptitle="s")
    wide = tl.show_grid(images, titles=list("abcdefgh"), ncols=8, suptitle="s")
    narrow_size = narrow.axes[0].title.get_fontsize()
    wide_size = wide.axes[0].title.get_fontsize()
    assert narrow_size == 9
    assert wide_size > narrow_size
    # shrunk to a 7.5-inch column, the wide figure's titles are no smaller than 7 pt
    assert wide_size * 7.5 / wide.get_figwidth() >= 7
    assert wide._suptitle.get_fontsize() > wide_size
