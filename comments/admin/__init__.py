"""The comments admin, split like the app: moderation, discussion, outbound, portability."""

from comments.admin import discussion, moderation, outbound, portability  # noqa: F401 - registers
