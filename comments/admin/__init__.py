"""The comments admin, split like the app: moderation, discussion, due process (notices,
appeals, refusals, transparency figures), outbound, portability, and resolutions (the
corrections queue, answered questions)."""

from comments.admin import (  # noqa: F401 - registers
    discussion,
    moderation,
    notices,
    outbound,
    portability,
    resolutions,
)
