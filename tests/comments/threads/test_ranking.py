"""The "Most useful" order: votes count, and a later comment is not outrun by age alone."""

from datetime import UTC, datetime, timedelta

import pytest

from comments.threads.ranking import TENFOLD_HOURS, most_useful_first, usefulness

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _hours(n: float) -> datetime:
    return T0 + timedelta(hours=n)


@pytest.mark.parametrize(
    ("higher", "lower", "why"),
    [
        ((5, _hours(6)), (3, _hours(0)), "newer with more votes beats older with fewer"),
        ((30, _hours(0)), (1, _hours(1)), "one vote does not beat thirty an hour older"),
        ((30, _hours(0)), (1, _hours(20)), "nor thirty posted most of a day before"),
        ((1, _hours(0)), (0, _hours(0)), "a vote beats none at the same time"),
        ((4, _hours(30)), (6, _hours(0)), "a few votes fewer, a day later, rises above"),
        ((0, _hours(1)), (0, _hours(0)), "without votes, the later comes first"),
    ],
)
def test_usefulness_ranks(higher, lower, why):
    assert usefulness(*higher) > usefulness(*lower), why


def test_ten_times_the_votes_is_worth_tenfold_hours():
    early = usefulness(99, _hours(0))
    late = usefulness(9, _hours(TENFOLD_HOURS))
    assert early == pytest.approx(late)


def test_the_score_does_not_depend_on_when_it_is_read():
    # Only votes and posting times go in: there is no "now" to pass.
    assert usefulness(3, _hours(2)) == usefulness(3, _hours(2))


def test_equal_scores_keep_the_oldest_first():
    facts = {1: (2, _hours(0)), 2: (2, _hours(0)), 3: (9, _hours(0))}
    assert most_useful_first([1, 2, 3], facts) == [3, 1, 2]
