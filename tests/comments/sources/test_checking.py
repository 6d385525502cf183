import itertools
from datetime import UTC, datetime, timedelta

import pytest

from comments.sources import checking
from comments.sources.checking import (
    FAILED,
    OFF_LIMITS,
    OK,
    PENDING,
    REACHED,
    REFUSED,
    UNREACHABLE,
    CheckState,
    became_unreachable,
    next_state,
)
from comments.sources.fetching import Outcome

START = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)
GOOD, DOWN, PRIVATE = Outcome.OK, Outcome.TIMEOUT, Outcome.REFUSED_ADDRESS


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def replay(*checks: tuple[float, Outcome], state: CheckState | None = None) -> CheckState:
    state = state or CheckState()
    for hours, outcome in checks:
        state = next_state(state, outcome, now=at(hours))
    return state


def test_every_outcome_has_one_meaning():
    assert set(Outcome) == REACHED | OFF_LIMITS | FAILED
    assert not (REACHED & OFF_LIMITS or REACHED & FAILED or OFF_LIMITS & FAILED)
    assert {Outcome.NOT_HTML, Outcome.OK} == REACHED
    assert Outcome.HTTP_ERROR in FAILED and Outcome.TOO_MANY_REDIRECTS in FAILED


@pytest.mark.parametrize(
    ("timeline", "status", "since"),
    [
        ([], PENDING, None),
        ([(0, GOOD)], OK, None),
        ([(0, Outcome.NOT_HTML)], OK, None),
        ([(0, DOWN)], PENDING, None),
        ([(0, GOOD), (24, DOWN)], OK, None),
        ([(0, DOWN), (24, DOWN)], PENDING, None),
        ([(0, DOWN), (24, DOWN), (48, DOWN)], UNREACHABLE, 0),
        ([(0, GOOD), (24, DOWN), (48, DOWN), (72, Outcome.HTTP_ERROR)], UNREACHABLE, 24),
        # Failures within a day of the last counted one count once.
        ([(0, DOWN), (1, DOWN), (2, DOWN), (23.9, DOWN)], PENDING, None),
        ([(0, DOWN), (12, DOWN), (24, DOWN), (36, DOWN)], PENDING, None),
        ([(0, DOWN), (12, DOWN), (24, DOWN), (36, DOWN), (48, DOWN)], UNREACHABLE, 0),
        ([(0, DOWN), (23.99, DOWN), (47.98, DOWN)], PENDING, None),
        ([(0, DOWN), (23.99, DOWN), (47.98, DOWN), (48, DOWN)], PENDING, None),
        ([(0, DOWN), (23.99, DOWN), (47.98, DOWN), (71.98, DOWN)], UNREACHABLE, 0),
        # A success in between starts the count again.
        ([(0, DOWN), (24, DOWN), (30, GOOD), (48, DOWN), (72, DOWN)], OK, None),
        ([(0, DOWN), (24, DOWN), (30, GOOD), (48, DOWN), (72, DOWN), (96, DOWN)], UNREACHABLE, 48),
        # Unreachable stays so while the failures go on, and ends with one success.
        ([(0, DOWN), (24, DOWN), (48, DOWN), (49, DOWN), (200, DOWN)], UNREACHABLE, 0),
        ([(0, DOWN), (24, DOWN), (48, DOWN), (50, GOOD)], OK, None),
        # Off limits is refused at once, and forgets the failures.
        ([(0, DOWN), (24, DOWN), (48, PRIVATE)], REFUSED, None),
        ([(0, PRIVATE), (24, DOWN)], PENDING, None),
        ([(0, PRIVATE), (24, GOOD)], OK, None),
        ([(0, Outcome.BAD_SCHEME)], REFUSED, None),
        # A clock that went back does not count a failure.
        ([(24, DOWN), (0, DOWN), (30, DOWN)], PENDING, None),
    ],
)
def test_the_status_after_a_timeline_of_checks(timeline, status, since):
    state = replay(*timeline)

    assert state.status == status
    assert state.unreachable_since == (None if since is None else at(since))


def test_a_check_remembers_when_it_ran_and_when_the_source_was_last_reached():
    state = replay((0, GOOD), (24, DOWN), (25, DOWN))

    assert (state.checked_at, state.last_ok_at) == (at(25), at(0))
    assert (state.failures, state.first_failed_at, state.last_failed_at) == (1, at(24), at(24))


def test_a_success_forgets_the_failures():
    state = replay((0, DOWN), (24, DOWN), (25, GOOD))

    assert state == CheckState(status=OK, checked_at=at(25), last_ok_at=at(25))


def test_running_the_same_check_twice_changes_nothing_more():
    once = replay((0, DOWN), (24, DOWN))

    assert next_state(once, DOWN, now=at(24)) == once


def test_became_unreachable_is_true_on_the_third_counted_failure_only():
    states = [CheckState()]
    for hours in (0, 24, 48, 72):
        states.append(next_state(states[-1], DOWN, now=at(hours)))

    assert [became_unreachable(a, b) for a, b in itertools.pairwise(states)] == [
        False,
        False,
        True,
        False,
    ]


def test_the_archive_lookup_is_off_by_default():
    assert checking.archive_lookup() is None
    assert checking.archived_copy("https://news.example/a") is None


def lookup_finding_a_copy(url):
    return f"https://archive.example/web/2025/{url}"


def lookup_finding_nothing(url):
    return None


def lookup_failing(url):
    raise OSError("archive down")


def lookup_answering_nonsense(url):
    return "javascript:alert(1)"


@pytest.mark.parametrize(
    ("name", "copy"),
    [
        ("lookup_finding_a_copy", "https://archive.example/web/2025/https://news.example/a"),
        ("lookup_finding_nothing", None),
        ("lookup_failing", None),
        ("lookup_answering_nonsense", None),
    ],
)
def test_a_configured_archive_lookup_is_called_and_its_answer_checked(settings, name, copy):
    settings.COMMENT_SOURCES_ARCHIVE_LOOKUP = f"{__name__}.{name}"

    assert checking.archived_copy("https://news.example/a") == copy
