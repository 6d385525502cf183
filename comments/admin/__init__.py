"""The comments admin, split like the app: moderation, discussion, outbound, portability,
and resolutions (the corrections queue, answered questions)."""

from comments.admin import (  # noqa: F401 - registers
    discussion,
    moderation,
    outbound,
    portability,
    resolutions,
)
