from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from checklists.plan.rules import (
    EVERY_DAY,
    DueWindow,
    NotDue,
    describe_mask,
    mask_to_weekdays,
    not_due_reason,
    weekdays_to_mask,
    window_is_due,
)


@given(st.sets(st.integers(min_value=0, max_value=6)))
def test_mask_round_trips(days):
    assert mask_to_weekdays(weekdays_to_mask(days)) == sorted(days)


def test_mask_rejects_out_of_range_days():
    with pytest.raises(ValueError, match="weekday must be 0"):
        weekdays_to_mask([7])


def window(start, end=None, weekdays=EVERY_DAY, retired_on=None):
    return DueWindow(
        item_id=1, start=start, end=end, weekdays=weekdays, retired_on=retired_on, checklist_id=1
    )


MONDAY = date(2026, 5, 4)


@pytest.mark.parametrize(
    ("due_window", "day", "reason"),
    [
        (window(MONDAY), MONDAY, None),
        (window(MONDAY), MONDAY - timedelta(days=1), NotDue.BEFORE_START),
        (window(MONDAY, end=MONDAY + timedelta(days=6)), MONDAY + timedelta(days=6), None),
        (window(MONDAY, end=MONDAY + timedelta(days=6)), MONDAY + timedelta(days=7), NotDue.AFTER_END),
        (window(MONDAY, retired_on=MONDAY + timedelta(days=2)), MONDAY + timedelta(days=1), None),
        (window(MONDAY, retired_on=MONDAY + timedelta(days=2)), MONDAY + timedelta(days=2), NotDue.RETIRED),
        (window(MONDAY, weekdays=weekdays_to_mask([0, 2])), MONDAY + timedelta(days=2), None),
        (window(MONDAY, weekdays=weekdays_to_mask([0, 2])), MONDAY + timedelta(days=1), NotDue.NOT_SCHEDULED),
    ],
)
def test_the_due_rule_names_why_an_item_is_not_due(due_window, day, reason):
    assert not_due_reason(due_window, day) == reason
    assert window_is_due(due_window, day) is (reason is None)


@given(
    mask=st.integers(min_value=1, max_value=EVERY_DAY),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    length=st.integers(min_value=0, max_value=40),
    offset=st.integers(min_value=-10, max_value=60),
)
def test_an_item_is_due_exactly_on_its_scheduled_weekdays_within_its_dates(mask, start, length, offset):
    end = start + timedelta(days=length)
    day = start + timedelta(days=offset)
    in_dates = start <= day <= end
    assert window_is_due(window(start, end, mask), day) == (
        in_dates and day.weekday() in mask_to_weekdays(mask)
    )


def test_describe_mask():
    assert describe_mask(EVERY_DAY) == "every day"
    assert describe_mask(weekdays_to_mask([0, 2, 4])) == "Mon, Wed, Fri"
