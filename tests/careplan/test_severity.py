"""IRLS totals map to the Walters 2003 bands; outside 0-40 is refused."""

import pytest

from checklists.careplan import wording
from checklists.careplan.severity import IrlsBand, band_range, irls_band


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


def test_each_band_has_its_totals_and_they_cover_0_to_40_once():
    ranges = [band_range(band) for band in IrlsBand]
    assert ranges == [(0, 0), (1, 10), (11, 20), (21, 30), (31, 40)]
    assert all(
        irls_band(low) == irls_band(high) == band for band, (low, high) in zip(IrlsBand, ranges, strict=True)
    )


def test_the_patient_reads_every_band_with_its_totals():
    assert wording.irls_scale() == (
        "Bands: 0 none, 1\N{EN DASH}10 mild, 11\N{EN DASH}20 moderate, 21\N{EN DASH}30 severe, "
        "31\N{EN DASH}40 very severe."
    )
