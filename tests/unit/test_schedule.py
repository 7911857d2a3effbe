from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checklists import schedule


@given(st.sets(st.integers(min_value=0, max_value=6)))
def test_mask_round_trips(days):
    assert schedule.mask_to_weekdays(schedule.weekdays_to_mask(days)) == sorted(days)


def test_mask_rejects_out_of_range_days():
    with pytest.raises(ValueError, match="weekday must be 0"):
        schedule.weekdays_to_mask([7])


@given(
    mask=st.integers(min_value=1, max_value=schedule.EVERY_DAY),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    length=st.integers(min_value=0, max_value=40),
    span=st.integers(min_value=0, max_value=60),
)
def test_due_days_agrees_with_is_due(mask, start, length, span):
    end = start + timedelta(days=length)
    first = start - timedelta(days=5)
    last = first + timedelta(days=span)
    expected = [
        first + timedelta(days=n)
        for n in range(span + 1)
        if schedule.is_due(mask=mask, start=start, end=end, day=first + timedelta(days=n))
    ]
    assert schedule.due_days(mask=mask, start=start, end=end, first=first, last=last) == expected


def test_describe_mask():
    assert schedule.describe_mask(schedule.EVERY_DAY) == "every day"
    assert schedule.describe_mask(schedule.weekdays_to_mask([0, 2, 4])) == "Mon, Wed, Fri"
