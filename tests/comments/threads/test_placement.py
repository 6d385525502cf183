"""Thread placement at its home: where a reply goes for every depth limit."""

import pytest

from comments.threads import placement
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(db):
    """A thread seven levels deep: chain[d] is at depth d."""
    comments = [CommentFactory()]
    for _ in range(6):
        comments.append(CommentFactory(parent=comments[-1]))
    return comments


@pytest.mark.parametrize(
    ("max_depth", "reply_to", "parent", "depth"),
    [
        (5, None, None, 0),  # a new thread
        (5, 0, 0, 1),
        (5, 3, 3, 4),  # the deepest level allowed
        (5, 4, 3, 4),  # a reply to the deepest level goes beside it
        (5, 6, 3, 4),  # even from deeper (an import, a lowered limit)
        (2, 0, 0, 1),
        (2, 1, 0, 1),
        (2, 5, 0, 1),
        (1, 0, None, 0),  # no replies at all: a new thread
        (1, 4, None, 0),
        (0, 2, None, 0),  # a nonsense limit counts as one level
        (None, 6, 6, 7),  # no limit: the factory's way
    ],
)
def test_a_reply_is_placed_within_the_depth_limit(chain, max_depth, reply_to, parent, depth):
    spot = placement.place(None if reply_to is None else chain[reply_to], max_depth=max_depth)

    assert spot.parent == (None if parent is None else chain[parent])
    assert spot.depth == depth
    assert spot.root_id == (None if parent is None else chain[0].pk)


def test_a_caller_may_walk_up_without_queries(chain, django_assert_num_queries):
    by_id = {comment.pk: comment for comment in chain}

    with django_assert_num_queries(0):
        spot = placement.place(
            chain[6], max_depth=3, parent_of=lambda comment: by_id.get(comment.parent_id)
        )

    assert (spot.parent, spot.depth) == (chain[1], 2)


def test_new_threads_become_their_own_roots(db):
    top, other = CommentFactory(), CommentFactory()
    top.root_id = other.root_id = None

    placement.root_new_threads([top, other])

    assert (top.root_id, other.root_id) == (top.pk, other.pk)
    top.refresh_from_db()
    assert top.root_id == top.pk
