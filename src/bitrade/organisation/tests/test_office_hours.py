"""Office-hours calendar: pure tests, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bitrade.organisation.rules import (
    END_OF_DAY,
    STOCKHOLM,
    OfficeHoursError,
    WeeklyHours,
    find_overlaps,
    is_open,
    next_opening,
    non_working_days,
    validate_hours,
)

OFFICE = tuple(WeeklyHours(day, time(8), time(16)) for day in range(5))  # Mon–Fri 08:00–16:00
SUNDAY_DAYTIME = (WeeklyHours(6, time(8), time(16)),)


def sthlm(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


# --- non-working days -------------------------------------------------------------------------


def test_non_working_days_2026_contains_holidays_and_the_three_eves_once() -> None:
    days = non_working_days(2026)
    assert days[date(2026, 5, 1)] == "Första maj"
    assert days[date(2026, 5, 14)] == "Kristi himmelsfärdsdag"
    assert days[date(2026, 6, 6)] == "Nationaldagen"
    assert days[date(2026, 6, 19)] == "Midsommarafton"
    assert days[date(2026, 12, 24)] == "Julafton"
    assert days[date(2026, 12, 31)] == "Nyårsafton"
    assert days[date(2026, 4, 3)] == "Långfredagen"
    assert days[date(2026, 4, 6)] == "Annandag påsk"
    assert date(2026, 6, 18) not in days  # an ordinary Thursday
    assert date(2026, 3, 1) not in days  # an ordinary Sunday is not listed
    assert len(days) == len(set(days))
    assert sum(1 for name in days.values() if name == "Julafton") == 1


@pytest.mark.parametrize(
    ("year", "midsummer_eve"),
    [
        (2024, date(2024, 6, 21)),
        (2025, date(2025, 6, 20)),
        (2026, date(2026, 6, 19)),
        (2027, date(2027, 6, 25)),
    ],
)
def test_midsummer_eve_is_the_friday_between_19_and_25_june(year: int, midsummer_eve: date) -> None:
    days = non_working_days(year)
    assert days[midsummer_eve] == "Midsommarafton"
    assert midsummer_eve.weekday() == 4


def test_non_working_days_returns_a_copy() -> None:
    non_working_days(2026).clear()
    assert date(2026, 12, 24) in non_working_days(2026)


# --- is_open ----------------------------------------------------------------------------------


def test_ordinary_weekday_open_and_closed() -> None:
    status = is_open(OFFICE, sthlm(2026, 6, 10, 10, 0))  # Wednesday
    assert status.open
    assert status.reason == "Öppet onsdag 08:00–16:00"
    assert is_open(OFFICE, sthlm(2026, 6, 10, 8, 0)).open  # opening time is inclusive
    closing = is_open(OFFICE, sthlm(2026, 6, 10, 16, 0))  # closing time is exclusive
    assert not closing.open
    assert "utanför öppettiderna" in closing.reason
    assert not is_open(OFFICE, sthlm(2026, 6, 10, 7, 59)).open


@pytest.mark.parametrize(("at", "label"), [
    (sthlm(2026, 6, 10, 7, 20), "Stängt nu: öppet onsdagar 08:00–16:00"),
    (sthlm(2026, 6, 10, 7, 21), "Stängt nu: öppet onsdagar 08:00–16:00"),
    (sthlm(2026, 6, 10, 17, 5), "Stängt nu: öppet onsdagar 08:00–16:00"),
    (sthlm(2026, 6, 10, 10, 0), "Öppet onsdag 08:00–16:00"),
    (sthlm(2026, 6, 13, 10, 0), "Stängt: inga öppettider på lördagar"),
    (sthlm(2026, 6, 19, 10, 0), "Stängt: midsommarafton"),
])
def test_the_standing_label_names_no_clock_time(at, label) -> None:
    """A page that stays open shows ``label``: it changes when the unit opens or closes, not every minute
    (the routing decision's ``reason`` keeps the clock time it was judged at)."""
    status = is_open(OFFICE, at)
    assert status.label == label
    if not status.open and "nu" in label:
        assert at.strftime("%H:%M") in status.reason and at.strftime("%H:%M") not in status.label


def test_instant_in_another_timezone_is_judged_on_the_swedish_clock() -> None:
    assert is_open(OFFICE, datetime(2026, 6, 10, 6, 30, tzinfo=UTC)).open  # 08:30 in Stockholm
    assert not is_open(OFFICE, datetime(2026, 6, 10, 5, 30, tzinfo=UTC)).open  # 07:30


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValueError):
        is_open(OFFICE, datetime(2026, 6, 10, 10, 0))


def test_weekend_is_closed() -> None:
    status = is_open(OFFICE, sthlm(2026, 6, 13, 10, 0))  # Saturday
    assert not status.open
    assert status.reason == "Stängt: inga öppettider på lördagar"
    assert status.detail == "lördag"
    assert not is_open(OFFICE, sthlm(2026, 6, 14, 10, 0)).open  # Sunday


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 5, 1), "första maj"),
        (date(2026, 5, 14), "Kristi himmelsfärdsdag"),
        (date(2026, 6, 19), "midsommarafton"),
        (date(2026, 12, 24), "julafton"),
        (date(2026, 12, 31), "nyårsafton"),
        (date(2026, 4, 3), "långfredagen"),
    ],
)
def test_closed_on_non_working_weekdays(day: date, name: str) -> None:
    assert day.weekday() < 5
    status = is_open(OFFICE, sthlm(day.year, day.month, day.day, 10, 0))
    assert not status.open
    assert status.reason == f"Stängt: {name}"
    assert status.non_working_day is not None


def test_national_day_on_a_saturday_closes_a_saturday_unit() -> None:
    saturday = (WeeklyHours(5, time(10), time(14)),)
    assert is_open(saturday, sthlm(2026, 6, 13, 11, 0)).open
    status = is_open(saturday, sthlm(2026, 6, 6, 11, 0))  # nationaldagen 2026 is a Saturday
    assert not status.open
    assert status.reason == "Stängt: nationaldagen"


def test_unit_that_works_on_holidays_can_opt_out() -> None:
    status = is_open(OFFICE, sthlm(2026, 6, 19, 10, 0), closed_on_non_working_days=False)
    assert status.open


def test_always_open_unit_is_open_on_christmas_eve() -> None:
    status = is_open((), sthlm(2026, 12, 24, 3, 0), always_open=True)
    assert status.open
    assert status.reason == "Öppet dygnet runt"


def test_all_day_entries_and_end_of_day() -> None:
    whole_week = tuple(WeeklyHours(day, time(0), END_OF_DAY) for day in range(7))
    assert is_open(whole_week, sthlm(2026, 6, 13, 23, 59, 59), closed_on_non_working_days=False).open
    assert is_open(whole_week, sthlm(2026, 6, 14, 0, 0), closed_on_non_working_days=False).open
    evening = (WeeklyHours(4, time(22), END_OF_DAY), WeeklyHours(5, time(0), time(6)))
    assert str(evening[0]) == "fredag 22:00–24:00"
    assert is_open(evening, sthlm(2026, 6, 12, 23, 30)).open
    assert is_open(evening, sthlm(2026, 6, 13, 5, 59)).open
    assert not is_open(evening, sthlm(2026, 6, 13, 6, 0)).open


def test_validity_period_of_an_entry() -> None:
    summer = (WeeklyHours(0, time(8), time(12), valid_from=date(2026, 6, 1), valid_to=date(2026, 8, 31)),)
    assert is_open(summer, sthlm(2026, 6, 8, 9, 0)).open
    assert not is_open(summer, sthlm(2026, 9, 7, 9, 0)).open
    assert not is_open(summer, sthlm(2026, 5, 25, 9, 0)).open


# --- DST --------------------------------------------------------------------------------------


def test_spring_forward_day_uses_the_wall_clock() -> None:
    # 2026-03-29: 02:00 CET → 03:00 CEST. 06:30 UTC is 08:30 on the wall that day, 07:30 a week earlier.
    assert is_open(SUNDAY_DAYTIME, datetime(2026, 3, 29, 6, 30, tzinfo=UTC)).open
    assert not is_open(SUNDAY_DAYTIME, datetime(2026, 3, 22, 6, 30, tzinfo=UTC)).open
    assert not is_open(SUNDAY_DAYTIME, datetime(2026, 3, 29, 14, 30, tzinfo=UTC)).open  # 16:30 CEST


def test_fall_back_day_uses_the_wall_clock() -> None:
    # 2026-10-25: 03:00 CEST → 02:00 CET. 06:30 UTC is 07:30 on the wall that day, 08:30 a week earlier.
    assert not is_open(SUNDAY_DAYTIME, datetime(2026, 10, 25, 6, 30, tzinfo=UTC)).open
    assert is_open(SUNDAY_DAYTIME, datetime(2026, 10, 18, 6, 30, tzinfo=UTC)).open
    assert is_open(SUNDAY_DAYTIME, datetime(2026, 10, 25, 14, 30, tzinfo=UTC)).open  # 15:30 CET


def test_repeated_hour_is_open_in_both_passes() -> None:
    night = (WeeklyHours(6, time(2), time(2, 30)),)
    first = datetime(2026, 10, 25, 0, 15, tzinfo=UTC)  # 02:15 CEST
    second = datetime(2026, 10, 25, 1, 15, tzinfo=UTC)  # 02:15 CET
    assert is_open(night, first).open
    assert is_open(night, second).open
    assert not is_open(night, datetime(2026, 10, 25, 0, 45, tzinfo=UTC)).open  # 02:45 CEST
    # closed between the passes, so the next opening is the second 02:00
    assert next_opening(night, datetime(2026, 10, 25, 0, 45, tzinfo=UTC)) == datetime(
        2026, 10, 25, 1, 0, tzinfo=UTC
    )


def test_next_opening_across_dst_changes() -> None:
    assert next_opening(SUNDAY_DAYTIME, sthlm(2026, 3, 28, 20, 0)) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    assert next_opening(SUNDAY_DAYTIME, sthlm(2026, 10, 24, 20, 0)) == datetime(
        2026, 10, 25, 7, 0, tzinfo=UTC
    )


def test_opening_inside_the_missing_hour_starts_when_the_clock_jumps() -> None:
    gap = (WeeklyHours(6, time(2, 30), time(4)),)  # 02:30 does not exist on 2026-03-29
    opening = next_opening(gap, sthlm(2026, 3, 28, 12, 0))
    assert opening == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert (opening.hour, opening.utcoffset()) == (3, timedelta(hours=2))
    assert is_open(gap, opening).open
    # arithmetic in UTC: on the wall clock 02:59:59 does not exist that night
    assert not is_open(gap, opening.astimezone(UTC) - timedelta(seconds=1)).open


# --- next_opening -----------------------------------------------------------------------------


def test_next_opening_is_now_when_open() -> None:
    now = sthlm(2026, 6, 10, 10, 0)
    assert next_opening(OFFICE, now) is now


def test_next_opening_keeps_the_timezone_of_the_argument() -> None:
    opening = next_opening(OFFICE, datetime(2026, 6, 10, 15, 0, tzinfo=UTC))  # 17:00 in Stockholm
    assert opening == datetime(2026, 6, 11, 6, 0, tzinfo=UTC)
    assert opening.tzinfo is UTC


def test_next_opening_later_the_same_day_and_next_morning() -> None:
    assert next_opening(OFFICE, sthlm(2026, 6, 10, 6, 0)) == sthlm(2026, 6, 10, 8, 0)
    assert next_opening(OFFICE, sthlm(2026, 6, 10, 17, 0)) == sthlm(2026, 6, 11, 8, 0)


def test_next_opening_over_the_easter_weekend_2026() -> None:
    # Skärtorsdag evening → långfredag, påskafton, påskdagen, annandag påsk closed → Tuesday 7 April.
    opening = next_opening(OFFICE, sthlm(2026, 4, 2, 16, 30))
    assert opening == sthlm(2026, 4, 7, 8, 0)
    assert opening.tzinfo is STOCKHOLM


def test_next_opening_over_midsummer_and_christmas() -> None:
    assert next_opening(OFFICE, sthlm(2026, 6, 18, 17, 0)) == sthlm(2026, 6, 22, 8, 0)
    # julafton Thu, juldagen Fri, annandag jul Sat, Sun → Monday 28 December
    assert next_opening(OFFICE, sthlm(2026, 12, 23, 17, 0)) == sthlm(2026, 12, 28, 8, 0)
    # nyårsafton Thu, nyårsdagen Fri → Monday 4 January 2027
    assert next_opening(OFFICE, sthlm(2026, 12, 30, 17, 0)) == sthlm(2027, 1, 4, 8, 0)


def test_next_opening_none_without_hours_or_beyond_horizon() -> None:
    assert next_opening((), sthlm(2026, 6, 10, 10, 0)) is None
    far = (WeeklyHours(0, time(8), time(9), valid_from=date(2026, 9, 1)),)
    assert next_opening(far, sthlm(2026, 6, 10, 10, 0)) is None
    assert next_opening(far, sthlm(2026, 6, 10, 10, 0), horizon=timedelta(days=120)) == sthlm(
        2026, 9, 7, 8, 0
    )


def test_next_opening_of_always_open_unit_is_now() -> None:
    now = datetime(2026, 12, 24, 12, 0, tzinfo=UTC)
    assert next_opening((), now, always_open=True) == now


# --- validation -------------------------------------------------------------------------------


def test_overlap_detection() -> None:
    a = WeeklyHours(0, time(8), time(16))
    b = WeeklyHours(0, time(15), time(19))
    c = WeeklyHours(0, time(19), time(21))  # adjacent to b: no overlap
    d = WeeklyHours(1, time(8), time(16))  # another day
    assert find_overlaps([a, b, c, d]) == [(a, b)]
    with pytest.raises(OfficeHoursError) as exc:
        validate_hours([a, b, c, d])
    assert str(exc.value) == "Öppettiderna överlappar: måndag 08:00–16:00 och måndag 15:00–19:00"
    validate_hours([a, c, d])  # no error


def test_overlap_needs_overlapping_validity_periods() -> None:
    winter = WeeklyHours(0, time(8), time(16), valid_to=date(2026, 5, 31))
    summer = WeeklyHours(0, time(8), time(12), valid_from=date(2026, 6, 1))
    assert find_overlaps([winter, summer]) == []
    always = WeeklyHours(0, time(11), time(13))
    assert find_overlaps([winter, summer, always]) == [(winter, always), (summer, always)]


def test_empty_and_reversed_entries_are_rejected() -> None:
    with pytest.raises(OfficeHoursError, match="samma: tisdag 09:00–09:00"):
        validate_hours([WeeklyHours(1, time(9), time(9))])
    with pytest.raises(OfficeHoursError, match="före öppningstiden"):
        validate_hours([WeeklyHours(1, time(22), time(6))])
    validate_hours([WeeklyHours(1, time(0), END_OF_DAY)])  # 00:00–24:00 is the whole day
    with pytest.raises(OfficeHoursError):
        WeeklyHours(7, time(8), time(9))


# --- property: is_open and next_opening agree ------------------------------------------------

_minutes = st.integers(min_value=0, max_value=24 * 60 - 1)


@st.composite
def weekly_hours(draw: st.DrawFn) -> WeeklyHours:
    weekday = draw(st.integers(min_value=0, max_value=6))
    start = draw(_minutes)
    end = draw(st.integers(min_value=start + 1, max_value=24 * 60))
    opens = time(start // 60, start % 60)
    closes = END_OF_DAY if end == 24 * 60 else time(end // 60, end % 60)
    return WeeklyHours(weekday, opens, closes)


_instants = st.one_of(
    st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 2, 1), timezones=st.just(UTC)),
    # around the DST changes of 2026
    st.datetimes(min_value=datetime(2026, 3, 28), max_value=datetime(2026, 3, 30), timezones=st.just(UTC)),
    st.datetimes(min_value=datetime(2026, 10, 24), max_value=datetime(2026, 10, 26), timezones=st.just(UTC)),
)


@settings(max_examples=300, deadline=None)
@given(hours=st.lists(weekly_hours(), max_size=6), at=_instants, holidays_closed=st.booleans())
def test_is_open_is_consistent_with_next_opening(
    hours: list[WeeklyHours], at: datetime, holidays_closed: bool
) -> None:
    options = {"closed_on_non_working_days": holidays_closed}
    opening = next_opening(hours, at, **options)
    if is_open(hours, at, **options).open:
        assert opening == at
        return
    if opening is None:
        # nothing opens within the horizon: sample it
        step = timedelta(minutes=7)
        probe = at
        while probe < at + timedelta(days=14):
            assert not is_open(hours, probe, **options).open
            probe += step
        return
    assert opening > at
    assert opening - at <= timedelta(days=14)
    assert is_open(hours, opening, **options).open
    # the unit is closed just before the opening and somewhere in between
    assert not is_open(hours, opening - timedelta(seconds=1), **options).open
    assert not is_open(hours, at + (opening - at) / 2, **options).open
