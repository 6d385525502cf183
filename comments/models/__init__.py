"""The comments app's models, one module per part of the job."""

from comments.models.discussion import Comment, Report, ReportedComment
from comments.models.moderation import Ban, ModerationEvent, ModerationSettings, normalise_ban_value

__all__ = [
    "Ban",
    "Comment",
    "ModerationEvent",
    "ModerationSettings",
    "Report",
    "ReportedComment",
    "normalise_ban_value",
]
