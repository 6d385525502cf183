"""An outside spam service (Akismet), off unless AKISMET_API_KEY is set.

Called with a short timeout; any failure answers UNAVAILABLE, and the pipeline then holds the
comment for a moderator, so a broken service never loses a comment nor lets spam through.
"""

import logging
import urllib.parse
import urllib.request

from django.conf import settings

logger = logging.getLogger(__name__)

HAM, SPAM, UNAVAILABLE, OFF = "ham", "spam", "unavailable", "off"


def ask(sub) -> str:
    key = settings.AKISMET_API_KEY
    if not key:
        return OFF
    data = urllib.parse.urlencode(
        {
            "api_key": key,
            "blog": settings.SITE_URL,
            "user_ip": sub.reader.ip or "",
            "user_agent": sub.reader.user_agent,
            "permalink": settings.SITE_URL + sub.article.get_absolute_url(),
            "comment_type": "reply" if sub.is_edit else "comment",
            "comment_author": sub.name,
            "comment_author_email": sub.email,
            "comment_author_url": sub.url,
            "comment_content": sub.body,
        }
    ).encode()
    url = f"{settings.AKISMET_URL.rstrip('/')}/1.1/comment-check"
    request = urllib.request.Request(url, data=data, method="POST")  # noqa: S310 - configured URL
    try:
        with urllib.request.urlopen(request, timeout=settings.AKISMET_TIMEOUT) as response:  # noqa: S310
            answer = response.read(64).decode().strip()
    except Exception:  # any failure of an outside service holds the comment
        logger.warning("spam service unavailable", exc_info=True)
        return UNAVAILABLE
    if answer == "true":
        return SPAM
    if answer == "false":
        return HAM
    logger.warning("spam service answered %r", answer)
    return UNAVAILABLE
