"""Where a comment goes in its thread: its parent, its thread's root and its depth.

The one home of thread placement, for posting, imports, the seeder and the tests' factory.
Replies nest to the site's maximum depth (a top-level comment is at depth 0, so the deepest
is `max_depth - 1`); a reply to a comment at the deepest level goes beside it, under the
deepest ancestor that may still have replies.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import F

from comments.models import Comment


@dataclass(frozen=True)
class Place:
    parent: Comment | None
    root_id: int | None  # None for a new thread: its root is itself, once it has an id
    depth: int


def _parent_of(comment: Comment) -> Comment | None:
    return comment.parent


def place(
    parent: Comment | None,
    *,
    max_depth: int | None,
    parent_of: Callable[[Comment], Comment | None] = _parent_of,
) -> Place:
    """The place of a reply to `parent` (None: a new thread). `max_depth` None places it
    under `parent` whatever the depth. `parent_of` walks up (a caller holding the ancestors
    in memory passes its own, so placing costs no query)."""
    if parent is not None and max_depth is not None:
        deepest = max(1, max_depth) - 1
        while parent is not None and parent.depth >= deepest:
            parent = parent_of(parent)
    if parent is None:
        return Place(parent=None, root_id=None, depth=0)
    return Place(parent=parent, root_id=parent.root_id, depth=parent.depth + 1)


def root_new_threads(comments: Iterable[Comment]) -> None:
    """Once stored, each new top-level comment becomes its own thread's root (one update)."""
    tops = [comment for comment in comments if comment.parent_id is None]
    if tops:
        Comment.objects.filter(pk__in=[c.pk for c in tops]).update(root_id=F("id"))
        for comment in tops:
            comment.root_id = comment.pk
