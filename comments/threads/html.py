"""A discussion as HTML, built in Python.

A thread of ten thousand comments must render in a few dozen milliseconds, which the template
engine cannot do one include per comment; so the markup of a comment lives here, in one
function, with every reader-supplied value escaped. Replies are nested lists and each comment
is an <article> with its author and time, so a screen reader can follow a thread.
"""

from collections.abc import Iterator
from datetime import datetime
from html import escape  # the standard library's: Django's adds a lazy wrapper per call
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from comments.models import Anchor, Comment, Resolution, Statement
from comments.posting.permissions import can_edit
from comments.threads import changelog, kinds
from comments.threads.badges import LABELS
from comments.threads.queries import Node, ShownComment
from comments.threads.readers import Reader

_MONTHS = (
    "", "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip
_GONE = {
    Comment.Status.DELETED: "This comment was deleted.",
    Comment.Status.REMOVED: "This comment was removed by a moderator.",
}
_HIDDEN = "This comment is not available."
REMOVED_BY = "Removed by a moderator"
_REMOVED = str(Comment.Status.REMOVED.value)
_GUIDELINES = str(Statement.Ground.GUIDELINES.value)
AWAITING = "Your comment is awaiting moderation."
_APPROVED = str(Comment.Status.APPROVED.value)
_PENDING = str(Comment.Status.PENDING.value)
_YOURS = '<span class="visually-hidden"> your comment</span>'
MUTED = "Comment by a muted reader"
NEW = '<span class="comment__new">New</span>'
_QUESTION = str(Comment.Kind.QUESTION.value)
_COMMENT = str(Comment.Kind.COMMENT.value)
_ANSWERED = str(Resolution.State.ANSWERED.value)
_ACCEPTED = str(Resolution.State.ACCEPTED.value)
_DECLINED = str(Resolution.State.DECLINED.value)
_ORPHANED = str(Anchor.State.ORPHANED.value)


def _when(moment: datetime, zone) -> tuple[str, str]:
    local = moment.astimezone(zone)
    human = (
        f"{local.day} {_MONTHS[local.month]} {local.year} at {local.hour:02d}:{local.minute:02d}"
    )
    return local.isoformat(), human


class ThreadRenderer:
    """Renders the threads of one page for one reader."""

    def __init__(
        self,
        *,
        reader: Reader,
        article_url: str,
        reply_mode: str,
        edit_minutes: int,
        page_query: str = "",
        useful_ids: frozenset[int] = frozenset(),
        muted_ids: frozenset[int] = frozenset(),
        csrf_token: str = "",
        order: str = "oldest",
        badges: dict[int, tuple[str, ...]] | None = None,
        new_ids: tuple[int, ...] = (),
        sources: dict[int, list] | None = None,
        revision: int = 0,
        compare_url: str = "",
        answer_ids: frozenset[int] = frozenset(),
        can_mark_answers: bool = False,
        flat: bool = False,
    ):
        # reply_mode: "reply" (may reply), "login" (must sign in first), "none" (closed)
        self.reader = reader
        self.article_url = article_url
        self.reply_mode = reply_mode
        self.edit_minutes = edit_minutes
        self.page_query = escape(page_query)
        self.login_url = f"{reverse('account_login')}?next={quote(article_url)}%23respond"
        self.now = timezone.now()
        self.zone = timezone.get_current_timezone()
        self.edit_url = reverse("comments:edit", kwargs={"pk": 0}).replace("/0/", "/{}/")
        self.delete_url = reverse("comments:delete", kwargs={"pk": 0}).replace("/0/", "/{}/")
        self.report_url = reverse("comments:report", kwargs={"pk": 0}).replace("/0/", "/{}/")
        self.notice_url = reverse("comments:notice", kwargs={"pk": 0}).replace("/0/", "/{}/")
        self.useful_url = reverse("comments:useful", kwargs={"pk": 0}).replace("/0/", "/{}/")
        # Reversed once per page, not once per comment: reversing costs more than the rest.
        self.login_to_vote = f"{reverse('account_login')}?next={quote(article_url)}%23comment-"
        self.mute_url = reverse("comments:mute", kwargs={"pk": 0}).replace("/0/", "/{}/")
        self.useful_ids = useful_ids
        # The accounts this reader muted: their comments collapse, for this reader only.
        self.muted_ids = muted_ids
        self.csrf_token = escape(csrf_token)
        self.order_query = f"?order={escape(order)}" if order != "oldest" else ""
        self.badges = badges or {}
        self.sources = sources or {}  # comment id -> sources.citing.ShownSource list
        # The article's revision now, and where two revisions are compared.
        self.revision, self.compare_url = revision, compare_url
        # New since the reader's last visit, each with the next one to go to (round to the
        # first again); a lone new comment has nowhere else to go.
        following = new_ids[1:] + new_ids[:1] if len(new_ids) > 1 else (None,) * len(new_ids)
        self.next_new = dict(zip(new_ids, following, strict=True))
        # The comments that answer a question; whether this reader may mark answers (one of
        # the article's authors, a moderator); and whether the comments come flat (a filter
        # of the discussion), each then linking into its thread.
        self.answer_ids = answer_ids
        self.can_mark_answers = can_mark_answers
        self.flat = flat
        self.permalink_url = reverse("comments:permalink", kwargs={"pk": 0}).replace("/0/", "/{}/")
        self.answer_url = reverse("comments:answer", kwargs={"pk": 0}).replace("/0/", "/{}/")
        self.guidelines_url = reverse("comments:guidelines")
        self.statement_url = reverse("comments:statement", kwargs={"pk": 0}).replace("/0/", "/{}/")

    def render(self, threads: list[Node]) -> SafeString:
        return mark_safe("".join(self.chunks(threads)))  # noqa: S308 - every value is escaped

    def chunks(self, threads: list[Node]) -> Iterator[str]:
        """The same HTML as `render`, one top-level thread at a time: a page can write each
        into its response and let it go, instead of holding every comment's markup at once
        (a thread of ten thousand comments is some fifteen megabytes of it)."""
        yield f'<ol class="comment-list{" comment-list--flat" if self.flat else ""}">'
        for node in threads:
            parts: list[str] = []
            self._node(node, parts)
            yield "".join(parts)
        yield "</ol>"

    def _node(self, node: Node, out: list[str], question: ShownComment | None = None) -> None:
        """`question`: the nearest question above, which a reply here may answer."""
        comment = node.comment
        cid = comment.id
        new = " comment--new" if cid in self.next_new else ""
        out.append(f'<li class="comment depth-{comment.depth}{new}" id="comment-{cid}">')
        if node.is_tombstone:
            out.append(self._tombstone(comment))
        elif comment.user_id is not None and comment.user_id in self.muted_ids:
            # Only the comment collapses; its replies below stay as they are.
            out.append(
                f'<details class="comment__muted"><summary>{MUTED}'
                '<span class="comment__muted-show"> &mdash; show</span></summary>'
            )
            self._comment(comment, out, question)
            out.append("</details>")
        else:
            self._comment(comment, out, question)
        if node.children:
            if comment.kind == _QUESTION and comment.status == _APPROVED:
                question = comment
            out.append('<ol class="children">')
            for child in node.children:
                self._node(child, out, question)
            out.append("</ol>")
        out.append("</li>")

    def _tombstone(self, comment: ShownComment) -> str:
        """A gone comment's place: why it went, when a moderator removed it on stated
        grounds (the clause, linked, or the category of illegal content), never by whom it
        was reported; its author also gets the link to the whole statement."""
        text = label = _GONE.get(comment.status, _HIDDEN)
        reason = comment.statement_public_reason
        if comment.status == _REMOVED and reason:
            label = escape(f"{REMOVED_BY} — {reason}")
            number = comment.statement_clause_number
            if number is not None and comment.statement_ground == _GUIDELINES:
                reason = f'<a href="{self.guidelines_url}#clause-{number}">{escape(reason)}</a>'
            else:
                reason = escape(reason)
            text = f"{REMOVED_BY} — {reason}"
        if comment.statement_measure and self.reader.wrote_ids(comment.user_id, comment.pk):
            url = self.statement_url.format(comment.pk)
            text += f' <a href="{url}">Why: the statement of reasons</a>'
        return (
            f'<article class="comment__body comment__body--gone" aria-label="{label}">'
            f'<p class="comment__gone">{text}</p></article>'
        )

    def _comment(
        self, comment: ShownComment, out: list[str], question: ShownComment | None = None
    ) -> None:
        cid = comment.id
        name = escape(comment.author_name)
        author = (
            f'<a class="comment__author-link" href="{escape(comment.author_url)}" '
            f'rel="external nofollow ugc noopener">{name}</a>'
            if comment.author_url
            else name
        )
        iso, human = _when(comment.created_at, self.zone)
        pending = comment.status == _PENDING
        mine = self.reader.wrote(comment)
        out.append(
            f'<article class="comment__body{" comment__body--pending" if pending else ""}'
            f'{" comment__body--mine" if mine else ""}" '
            f'aria-labelledby="comment-{cid}-author">'
            f'<footer class="comment__meta">'
            f'<span class="comment__author" id="comment-{cid}-author">{author}</span> '
            f'<a class="comment__permalink" href="#comment-{cid}">'
            f'<time datetime="{iso}">{human}</time></a>'
        )
        if cid in self.next_new:
            self._new(self.next_new[cid], out)
        if comment.edited_at:
            out.append(' <span class="comment__edited">(edited)</span>')
        # Most comments have neither label nor badge: no call to find that out.
        if comment.kind != _COMMENT or cid in self.answer_ids:
            self._label(comment, out)
        if comment.picked_at is not None or (self.badges and comment.user_id in self.badges):
            self._badges(comment, out)
        out.append("</footer>")
        if comment.resolution_state is not None:
            self._resolution(comment, out)
        if pending:
            out.append(f'<p class="comment__awaiting" role="status">{AWAITING}</p>')
        if comment.anchor_exact is not None:
            self._passage(comment, out)
        written_on = comment.article_revision
        if written_on and self.revision > written_on:
            out.append(
                f'<p class="comment__revision">Written on revision {written_on} &middot; '
                f'<a href="{self.compare_url}?from={written_on}&amp;to={self.revision}">'
                f'see what changed<span class="visually-hidden"> since then</span></a></p>'
            )
        out.append(f'<div class="comment__content">{comment.body_html}</div>')
        if comment.id in self.sources:
            self._sources(comment.id, self.sources[comment.id], out)
        if not pending:
            self._useful(comment, name, out)
        self._actions(comment, name, mine, out)
        if question is not None and self.can_mark_answers and comment.status == _APPROVED:
            self._mark_answer(comment, question, name, out)
        out.append("</article>")

    def _new(self, next_id: int | None, out: list[str]) -> None:
        """The "New" marker, and a link on to the next new comment: without JavaScript the
        new comments are a chain of links; static/js/visits.js makes each move the focus."""
        out.append(f" {NEW}")
        if next_id is not None:
            out.append(
                f' <a class="comment__next-new" href="#comment-{next_id}">'
                'Next new<span class="visually-hidden"> comment</span></a>'
            )

    def _actions(self, comment: ShownComment, name: str, mine: bool, out: list[str]) -> None:
        cid = comment.id
        approved = comment.status == _APPROVED
        links = []
        if approved:
            if self.reply_mode == "reply":
                links.append(
                    f'<a class="comment-reply-link" '
                    f'href="?{self.page_query}replytocom={cid}#respond" '
                    f'data-comment-id="{cid}" data-author="{name}" '
                    f'aria-label="Reply to {name}">Reply</a>'
                )
                # Without JavaScript: the reply form, starting with the whole comment quoted;
                # static/js/quote.js quotes the words selected in it instead, if any.
                links.append(
                    f'<a class="comment-quote-link" '
                    f'href="?{self.page_query}replytocom={cid}&amp;quote=1#respond" '
                    f'data-comment-id="{cid}" data-author="{name}" rel="nofollow">'
                    f'Quote<span class="visually-hidden"> {name}</span></a>'
                )
            elif self.reply_mode == "login":
                links.append(f'<a href="{self.login_url}">Log in to reply</a>')
        if self.flat:
            links.append(
                f'<a class="comment__in-thread" href="{self.permalink_url.format(cid)}'
                f'{self.order_query}">See it in its thread'
                f'<span class="visually-hidden"> (comment by {name})</span></a>'
            )
        if mine and can_edit(comment, self.reader, edit_minutes=self.edit_minutes, now=self.now):
            links.append(f'<a href="{self.edit_url.format(cid)}">Edit{_YOURS}</a>')
        if mine:
            links.append(f'<a href="{self.delete_url.format(cid)}">Delete{_YOURS}</a>')
        elif approved:
            links.append(
                f'<a class="comment__report" href="{self.report_url.format(cid)}" rel="nofollow">'
                f'Report<span class="visually-hidden"> comment by {name}</span></a>'
            )
            links.append(
                f'<a class="comment__notice" href="{self.notice_url.format(cid)}" rel="nofollow">'
                f'Report illegal content<span class="visually-hidden"> (comment by {name})'
                f"</span></a>"
            )
        if links:
            out.append('<p class="comment__actions">')
            out.append(" ".join(links))
            out.append("</p>")
        if approved and not mine:
            self._mute(comment, name, out)

    def _mute(self, comment: ShownComment, name: str, out: list[str]) -> None:
        """Mute (or unmute) the comment's account: for a signed-in reader, on a comment by
        another account. A form, so it works without JavaScript."""
        if self.reader.user is None or comment.user_id is None:
            return
        muted = comment.user_id in self.muted_ids
        out.append(
            f'<form class="comment__mute" method="post" action="{self.mute_url.format(comment.id)}'
            f'{self.order_query}">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.csrf_token}">'
            f'<input type="hidden" name="mute" value="{"no" if muted else "yes"}">'
            f'<button type="submit" class="link-button comment__mute-button">'
            f"{'Unmute' if muted else 'Mute'}"
            f'<span class="visually-hidden"> {name}</span></button></form>'
        )

    def _useful(self, comment: ShownComment, name: str, out: list[str]) -> None:
        """The Useful count, and the button that marks (or unmarks) it: a form that works
        without JavaScript; static/js/votes.js sends it in the background."""
        cid, count = comment.id, comment.useful_count
        shown = (
            f'<span class="comment__useful-count" id="comment-{cid}-useful">{count} useful</span>'
        )
        if self.reader.user is None:
            login = f"{self.login_to_vote}{cid}"
            out.append(
                f'<p class="comment__useful">{shown} <a href="{login}" rel="nofollow">'
                f'Sign in to vote<span class="visually-hidden"> on the comment by {name}</span>'
                "</a></p>"
            )
            return
        if self.reader.wrote(comment):
            out.append(f'<p class="comment__useful">{shown}</p>')
            return
        pressed = cid in self.useful_ids
        out.append(
            f'<form class="comment__useful" method="post" '
            f'action="{self.useful_url.format(cid)}{self.order_query}">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.csrf_token}">'
            f'<input type="hidden" name="useful" value="{"no" if pressed else "yes"}">'
            f'<button type="submit" class="comment__useful-button" data-comment-id="{cid}" '
            f'aria-pressed="{"true" if pressed else "false"}" '
            f'aria-describedby="comment-{cid}-useful">Useful'
            f'<span class="visually-hidden"> comment by {name}</span></button> {shown}'
            '<span class="comment__useful-status" role="status"></span></form>'
        )

    def _passage(self, comment: ShownComment, out: list[str]) -> None:
        """The passage of the article the comment answers, linked to its place; or, when
        the article no longer has those words, the words under "On earlier text"."""
        words = escape(comment.anchor_exact)
        if comment.anchor_state == _ORPHANED or not comment.anchor_block:
            out.append(
                '<blockquote class="comment__passage comment__passage--earlier">'
                '<p class="comment__passage-intro">On earlier text of the article:</p>'
                f"<p>{words}</p></blockquote>"
            )
            return
        out.append(
            '<blockquote class="comment__passage"><p class="comment__passage-intro">'
            f'<a href="#{escape(comment.anchor_block)}">On this passage</a>:</p>'
            f"<p>{words}</p></blockquote>"
        )

    def _sources(self, cid: int, sources: list, out: list[str]) -> None:
        """The sources a comment cites, numbered as the reader listed them."""
        out.append(
            f'<div class="comment__sources"><p class="comment__sources-title" '
            f'id="comment-{cid}-sources">Sources</p>'
            f'<ol class="sources" aria-labelledby="comment-{cid}-sources">'
        )
        for source in sources:
            url = escape(source.url)
            words = escape(source.title or source.url)
            about = [escape(source.publisher)] if source.publisher else []
            if source.published:
                day = source.published
                about.append(
                    f'<time datetime="{day.isoformat()}">'
                    f"{day.day} {_MONTHS[day.month]} {day.year}</time>"
                )
            out.append(
                f'<li class="source source--{escape(source.status)}"><a href="{url}" '
                f'rel="external nofollow ugc noopener noreferrer">{words}</a>'
            )
            if about:
                out.append(f' <span class="source__about">({", ".join(about)})</span>')
            if source.unreachable_since:
                since = timezone.localtime(source.unreachable_since, self.zone)
                out.append(
                    f' <span class="source__status">unreachable since '
                    f"{since.day} {_MONTHS[since.month]} {since.year}</span>"
                )
                if source.archived_url:
                    out.append(
                        f' <a class="source__archived" href="{escape(source.archived_url)}" '
                        f'rel="external nofollow noopener noreferrer">archived copy'
                        f'<span class="visually-hidden"> of {words}</span></a>'
                    )
            out.append("</li>")
        out.append("</ol></div>")

    def _badges(self, comment: ShownComment, out: list[str]) -> None:
        for badge in self.badges.get(comment.user_id, ()) if comment.user_id else ():
            out.append(
                f' <span class="comment__badge comment__badge--{badge}">{LABELS[badge]}</span>'
            )
        if comment.picked_at is not None:
            note = f": {escape(comment.pick_note)}" if comment.pick_note else ""
            out.append(
                ' <span class="comment__badge comment__badge--pick">'
                f"Editor&rsquo;s pick{note}</span>"
            )

    def _label(self, comment: ShownComment, out: list[str]) -> None:
        kind = comment.kind
        if kind != _COMMENT and kind in kinds.LABELS:
            out.append(
                f' <span class="comment__kind comment__kind--{kind}">{kinds.LABELS[kind]}</span>'
            )
        if comment.id in self.answer_ids:
            out.append(' <span class="comment__badge comment__badge--answer">Answer</span>')

    def _resolution(self, comment: ShownComment, out: list[str]) -> None:
        """What was decided: a question answered (with a link to the answer), a correction
        accepted (its note, the revision that made it) or declined (its note only for the
        reader who sent it)."""
        state, note = comment.resolution_state, comment.resolution_note
        if state == _ANSWERED and comment.resolution_answer_id is not None:
            answer = comment.resolution_answer_id
            href = self.permalink_url.format(answer) if self.flat else f"#comment-{answer}"
            out.append(
                '<p class="comment__resolution comment__resolution--answered">Answered &mdash; '
                f'<a href="{href}">see the answer</a></p>'
            )
        elif state == _ACCEPTED:
            said = f": {escape(note)}" if note else ""
            revision = comment.resolution_revision
            made = (
                f' (<a href="{changelog.revision_path(self.article_url, revision)}">'
                f"revision {revision}</a>)"
                if revision
                else ""
            )
            out.append(
                '<p class="comment__resolution comment__resolution--accepted">'
                f"Correction accepted{said}{made}</p>"
            )
        elif state == _DECLINED:
            said = (
                f': {escape(note)} <span class="comment__resolution-private">(only you see '
                "this note)</span>"
                if note and self.reader.wrote(comment)
                else ""
            )
            out.append(
                '<p class="comment__resolution comment__resolution--declined">'
                f"Correction declined{said}</p>"
            )

    def _mark_answer(
        self, comment: ShownComment, question: ShownComment, name: str, out: list[str]
    ) -> None:
        """For the article's authors and moderators, under each published reply in a
        question's thread: mark it as the answer (or take that back). A form: no JavaScript
        needed."""
        is_answer = (
            question.resolution_state == _ANSWERED and question.resolution_answer_id == comment.id
        )
        asker = escape(question.author_name)
        label = (
            f'Unmark the answer<span class="visually-hidden"> by {name}</span>'
            if is_answer
            else "Mark as the answer"
            f'<span class="visually-hidden"> to the question by {asker}: reply by {name}</span>'
        )
        what = (
            '<input type="hidden" name="unmark" value="1">'
            if is_answer
            else f'<input type="hidden" name="answer" value="{comment.id}">'
        )
        out.append(
            f'<form class="comment__mark-answer" method="post" '
            f'action="{self.answer_url.format(question.id)}{self.order_query}">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.csrf_token}">{what}'
            f'<button type="submit" class="link-button comment__mark-answer-button">{label}'
            "</button></form>"
        )
