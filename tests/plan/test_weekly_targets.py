"""The weekly-target rule (plan.rules): an item owed N times per Monday-Sunday week, not every day."""

from datetime import date, timedelta

from checklists.plan.rules import (
    EVERY_DAY,
    DueWindow,
    count_adherence,
    count_day,
    counts_on_day,
    day_complete,
    week_target,
    weekdays_to_mask,
    weekly_behind,
    window_is_due,
)

MONDAY = date(2026, 5, 4)
SUNDAY = MONDAY + timedelta(days=6)


def day(n: int) -> date:
    return MONDAY + timedelta(days=n)


def exercise(
    target: int = 3, start: date = MONDAY - timedelta(days=28), weekdays: int = EVERY_DAY
) -> DueWindow:
    return DueWindow(
        item_id=1,
        start=start,
        end=None,
        weekdays=weekdays,
        retired_on=None,
        checklist_id=10,
        weekly_target=target,
    )


def daily(item_id: int = 2) -> DueWindow:
    return DueWindow(
        item_id=item_id,
        start=MONDAY - timedelta(days=28),
        end=None,
        weekdays=EVERY_DAY,
        retired_on=None,
        checklist_id=20,
    )


def ticks(item_id: int, *days: date) -> set[tuple[int, date]]:
    return {(item_id, d) for d in days}


def test_a_week_with_3_sessions_is_complete():
    done = ticks(1, day(0), day(2), day(4))
    adherence = count_adherence([exercise()], done, MONDAY, SUNDAY)
    assert (adherence.done, adherence.due) == (3, 3)
    assert adherence.share == 1


def test_a_4th_session_adds_nothing_and_2_count_2_of_3():
    assert count_adherence([exercise()], ticks(1, *map(day, range(4))), MONDAY, SUNDAY).done == 3
    two = count_adherence([exercise()], ticks(1, day(1), day(5)), MONDAY, SUNDAY)
    assert (two.done, two.due) == (2, 3)


def test_a_weekly_item_counts_once_per_week_whose_sunday_is_in_the_window():
    done = ticks(1, day(0), day(1), day(2))
    # 7 complete days from Wednesday to Tuesday hold one Sunday: the week Monday-Sunday counts whole.
    window = count_adherence([exercise()], done, day(2), day(8))
    assert (window.done, window.due) == (3, 3)
    # A window that ends before Sunday holds no whole week of it yet.
    assert count_adherence([exercise()], done, MONDAY, day(5)).due == 0
    # 28 days from a Monday: four weeks of 3.
    assert count_adherence([exercise()], done, MONDAY - timedelta(days=21), SUNDAY).due == 12


def test_a_week_with_fewer_open_days_owes_fewer():
    late_start = exercise(target=5, start=day(4))  # starts on Friday: 3 days left that week
    assert week_target(late_start, MONDAY) == 3
    assert week_target(exercise(target=3, weekdays=weekdays_to_mask([0, 2])), MONDAY) == 2
    assert week_target(exercise(start=day(7)), MONDAY) == 0


def test_a_weekly_item_is_shown_every_open_day_but_never_makes_the_day_incomplete():
    item = exercise()
    assert all(window_is_due(item, day(n)) for n in range(7))
    assert not counts_on_day(item, MONDAY)
    totals = count_day([item, daily()], ticks(2, MONDAY), MONDAY)
    assert (totals.done, totals.due) == (1, 1)  # the daily item only


def test_a_day_is_complete_until_the_weeks_target_is_out_of_reach():
    item = exercise()
    # Nothing done Monday to Thursday: Friday, Saturday and Sunday can still make 3.
    assert [weekly_behind(item, day(n), set()) for n in range(7)] == [False] * 4 + [True] * 3
    assert all(day_complete([item], set(), day(n)) for n in range(4))
    assert not day_complete([item], set(), day(4))
    # Done on Friday, Saturday and Sunday: every day of the week is complete.
    done = ticks(1, day(4), day(5), day(6))
    assert all(day_complete([item], done, day(n)) for n in range(7))


def test_a_day_needs_its_daily_items_done_too():
    items = [exercise(), daily()]
    assert not day_complete(items, set(), MONDAY)
    assert day_complete(items, ticks(2, MONDAY), MONDAY)
    assert not day_complete([], set(), MONDAY)  # nothing open: nothing to be complete
