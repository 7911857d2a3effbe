"""IRLS totals map to the Walters 2003 bands; outside 0-40 is refused."""

import pytest

from checklists.careplan.severity import IrlsBand, irls_band


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, IrlsBand.NONE),
        (1, IrlsBand.MILD),
        (10, IrlsBand.MILD),
        (11, IrlsBand.MODERATE),
        (20, IrlsBand.MODERATE),
        (21, IrlsBand.SEVERE),
        (30, IrlsBand.SEVERE),
        (31, IrlsBand.VERY_SEVERE),
        (40, IrlsBand.VERY_SEVERE),
    ],
)
def test_bands(total, band):
    assert irls_band(total) == band


@pytest.mark.parametrize("total", [-1, 41])
def test_out_of_range_is_refused(total):
    with pytest.raises(ValueError):
        irls_band(total)
