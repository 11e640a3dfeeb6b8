"""plot_images: tiles of digits or of signed per-pixel numbers."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from micrograd_plus.viz import plot_images


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_images_side_by_side_with_titles():
    blank, ink = [0.0] * 64, [1.0] * 64
    figure = plot_images([blank, ink], titles=["blank", "ink"])
    ax = figure.axes[0]
    mosaic = ax.images[0].get_array()
    assert mosaic.shape == (8, 17)
    assert np.all(mosaic[:, :8] == 0.0) and np.all(mosaic[:, 9:] == 1.0) and mosaic.mask[:, 8].all()
    assert [t.get_text() for t in ax.texts] == ["blank", "ink"]
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert Image.open(buffer).size[0] > 100


def test_signed_images_share_one_scale_centred_on_zero_with_a_colour_bar():
    figure = plot_images([[0.5] * 4, [-2.0] * 4], shape=(2, 2), signed=True)
    shown = figure.axes[0].images[0]
    assert shown.get_clim() == (-2.0, 2.0) and len(figure.axes) == 2


def test_wrong_sizes_are_named():
    with pytest.raises(ValueError, match="image 1 has 3 numbers, not 64"):
        plot_images([[0.0] * 64, [0.0] * 3])
    with pytest.raises(ValueError, match="1 titles for 2 images"):
        plot_images([[0.0] * 64] * 2, titles=["one"])
    with pytest.raises(ValueError, match="images is empty"):
        plot_images([])
