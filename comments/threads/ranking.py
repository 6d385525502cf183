"""Which thread comes first in the "Most useful" order: the one home of that decision.

Ranking by the raw count of Useful votes rewards the earliest comment: it has been read
longest, so it has had the most time to gather votes, and being first it gathers more. There
are no "not useful" votes, so the lower bound of a Wilson interval (which needs a share of
yes among yes and no) would rank by the count all the same. So the score adjusts for time:

    usefulness = log10(1 + votes) + hours since the epoch it was posted at / TENFOLD_HOURS

Each tenfold of votes is worth `TENFOLD_HOURS` of being newer: a comment posted a day later
stands level with one that has ten times its votes. Votes still decide between comments of
the same day (one vote never beats thirty posted an hour before), and a late, sharp reply
can rise above an early one with a few votes more. The score depends only on the votes and
on when the comment was posted, never on the time of reading, so a page of the discussion
(and a permalink's page, and the API's ETag) stays the same until someone votes.
"""

import math
from datetime import datetime

TENFOLD_HOURS = 24


def usefulness(votes: int, posted_at: datetime) -> float:
    """The score of a comment with `votes` Useful votes, posted at `posted_at`. Only the
    differences between scores mean anything (the epoch is as good an origin as any)."""
    return math.log10(1 + votes) + posted_at.timestamp() / 3600 / TENFOLD_HOURS


def most_useful_first(roots: list[int], facts: dict[int, tuple[int, datetime]]) -> list[int]:
    """`roots` (top-level comment ids, oldest first) by usefulness, highest first; `facts`
    gives each id's (votes, posted_at). Equal scores keep the oldest first."""
    return sorted(roots, key=lambda cid: -usefulness(*facts[cid]))
