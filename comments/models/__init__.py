"""The comments app's models, one module per part of the job."""

from comments.models.api import ApiToken
from comments.models.discussion import (
    Comment,
    Correction,
    MutedReader,
    Report,
    ReportedComment,
    Resolution,
    UsefulVote,
)
from comments.models.imports import ImportedRecord, PersonalDataLog
from comments.models.moderation import Ban, ModerationEvent, ModerationSettings, normalise_ban_value
from comments.models.notices import NOTICE_GROUNDS, Appeal, Notice, Refusal
from comments.models.notifications import MailPreference, Notification, Subscription
from comments.models.passages import Anchor
from comments.models.sources import MAX_SOURCES, Source
from comments.models.statements import Guideline, Statement
from comments.models.visits import ArticleVisit
from comments.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "MAX_SOURCES",
    "NOTICE_GROUNDS",
    "Anchor",
    "ApiToken",
    "Appeal",
    "ArticleVisit",
    "Ban",
    "Comment",
    "Correction",
    "Guideline",
    "ImportedRecord",
    "MailPreference",
    "ModerationEvent",
    "ModerationSettings",
    "MutedReader",
    "Notice",
    "Notification",
    "PersonalDataLog",
    "Refusal",
    "Report",
    "ReportedComment",
    "Resolution",
    "Source",
    "Statement",
    "Subscription",
    "UsefulVote",
    "WebhookDelivery",
    "WebhookEndpoint",
    "normalise_ban_value",
]
