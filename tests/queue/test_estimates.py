"""The wait estimator on hand-built queues (no database): people ahead, wait, no window."""

from __future__ import annotations

from datetime import datetime, timedelta

from onewindow.queue.estimates import Expected, Window, count_ahead, estimate, order_key
from onewindow.queue.models import Ticket

NOW = datetime(2026, 11, 30, 10, 25)
A, B, C = 1, 2, 3
MIN = timedelta(minutes=1)


def ticket(id, purpose, minutes_ago, *, priority="walk_in", due=None, target=None):
    at = NOW - minutes_ago * MIN
    return Ticket(id=id, purpose_id=purpose, priority=priority, queued_at=at, issued_at=at,
                  due_at=due, target_desk_id=target, status="waiting")


def window(id, purposes, *, busy_for=0, service=10):
    return Window(id, frozenset(purposes), NOW + busy_for * MIN, service * MIN)


def test_other_purpose_waiting_for_the_same_window_is_ahead():
    """The kiosk said «Перед вами: 0 · без ожидания» with a Б visitor waiting for window 1."""
    b = ticket(1, B, 5)
    mine = ticket(2, A, 0)
    result = estimate(mine, [b], windows=[window(1, {A, B}, busy_for=4)], now=NOW)
    assert result.ahead == 1
    assert result.wait_minutes == 4 + 10
    assert result.open_windows == 1


def test_visitors_of_windows_that_do_not_serve_me_are_not_ahead():
    b = ticket(1, B, 5)
    mine = ticket(2, A, 0)
    result = estimate(mine, [b], windows=[window(1, {A}), window(2, {B})], now=NOW)
    assert (result.ahead, result.wait_minutes) == (0, 0)


def test_two_windows_share_the_line():
    line = [ticket(i, A, 10 - i) for i in range(1, 5)]
    mine = ticket(9, A, 0)
    result = estimate(mine, line, windows=[window(1, {A}, service=6), window(2, {A}, service=6)],
                      now=NOW)
    # Both windows idle: 1 and 2 now, 3 and 4 at +6, me at +12.
    assert (result.ahead, result.wait_minutes) == (4, 12)


def test_out_of_turn_and_due_bookings_go_first():
    walk_in = ticket(1, A, 1)
    vip = ticket(2, A, 0, priority="out_of_turn")
    booked = ticket(3, A, 20, priority="booked", due=NOW - 2 * MIN)
    mine = ticket(4, A, 3)  # came before walk_in
    result = estimate(mine, [walk_in, vip, booked], windows=[window(1, {A}, service=5)], now=NOW)
    assert result.ahead == 2  # vip and the due booking; walk_in comes after me
    assert result.wait_minutes == 10


def test_booked_visitor_who_becomes_due_meanwhile_is_ahead():
    """A 10:40 booking (checked in or not) is called before me if I am still waiting then."""
    early = ticket(1, A, 2, priority="booked", due=NOW + 15 * MIN)
    expected = Expected(id=-7, purpose_id=A, queued_at=NOW + 20 * MIN, due_at=NOW + 20 * MIN)
    line = [ticket(i, A, 10 - i) for i in range(2, 6)]  # four walk-ins before me
    mine = ticket(9, A, 0)
    result = estimate(mine, [early, expected, *line], windows=[window(1, {A}, service=10)],
                      now=NOW)
    # +0, +10 walk-ins; +20 the 10:40 booking (due at +15), +30 the 10:45 one, +40, +50…
    assert result.ahead == 6
    assert result.wait_minutes == 60


def test_expected_booking_later_than_my_call_is_not_ahead():
    expected = Expected(id=-1, purpose_id=A, queued_at=NOW + 60 * MIN, due_at=NOW + 60 * MIN)
    mine = ticket(1, A, 0)
    result = estimate(mine, [expected], windows=[window(1, {A}, busy_for=5)], now=NOW)
    assert (result.ahead, result.wait_minutes) == (0, 5)


def test_redirected_ticket_waits_only_for_its_window():
    to_two = ticket(1, B, 30, target=2)
    mine = ticket(2, A, 0)
    windows = [window(1, {A, B}), window(2, {A, B}, busy_for=3)]
    assert estimate(mine, [to_two], windows=windows, now=NOW).ahead == 0
    mine_at_two = ticket(3, A, 0, target=2)
    result = estimate(mine_at_two, [to_two], windows=windows, now=NOW)
    assert (result.ahead, result.wait_minutes) == (1, 13)


def test_no_open_window_for_the_purpose():
    b = ticket(1, B, 5)
    a_before = ticket(2, A, 3)
    mine = ticket(3, A, 0)
    result = estimate(mine, [b, a_before], windows=[window(2, {B})], now=NOW,
                      desks={1: frozenset({A, B}), 2: frozenset({B})})
    assert result.wait_minutes is None and result.call_at is None
    assert result.open_windows == 0
    # Still honest about the line: both are before me at window 1 once it opens.
    assert result.ahead == 2


def test_count_ahead_skips_expected_bookings_not_yet_due():
    expected = Expected(id=-1, purpose_id=A, queued_at=NOW + MIN, due_at=NOW + MIN)
    mine = ticket(1, A, 0)
    assert count_ahead(mine, [expected], desks={1: frozenset({A})}, now=NOW) == 0


def test_order_key_matches_rank_rules():
    vip = ticket(1, A, 0, priority="out_of_turn")
    due = ticket(2, A, 30, priority="booked", due=NOW)
    walk = ticket(3, A, 60)
    early = ticket(4, A, 90, priority="booked", due=NOW + MIN)
    assert sorted([early, walk, due, vip], key=lambda t: order_key(t, NOW)) == [
        vip, due, walk, early]
