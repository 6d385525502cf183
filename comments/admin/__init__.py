"""The comments admin, split like the app: moderation, outbound, portability."""

from comments.admin import moderation, outbound, portability  # noqa: F401 - registers
