"""Who is told what. Writes outbox rows in the caller's transaction; sends nothing.

Rules, whatever the entry point:
- a held comment: every moderator who opted in;
- an approved comment: the article's authors, the parent comment's author, the readers it
  mentions (not those who muted its author), the article's confirmed subscribers, and the
  commenter when it was held before ("now published"); a reader newly mentioned by an edit
  of a public comment hears of it then;
- nobody is told of their own comment (but for "now published"), nobody gets two mails for
  one event (the outbox's unique constraint), and an address that opted out gets nothing;
- an anonymous address is mailed only once it has confirmed a subscription (double opt-in);
  an account's address only once allauth has verified it;
- a comment that leaves the published state cancels its unsent mail, but for the mail owed
  whatever becomes of the comment (`OWED`: statements, a notice's receipt and decision, an
  appeal's outcome);
- a comment whose author's personal data was erased (no address left) brings its author no
  reply mail, even when it still belongs to an account;
- a correction accepted or declined: the reader who sent it, once per outcome, by the rule of
  "now published" (a verified account address or a confirmed subscription to the discussion);
- a statement of reasons (a comment removed, rejected, marked spam, held on edit; a ban): the
  comment's author, to the same kind of address, whatever their mail settings (it is a notice
  of a decision, not a discussion's mail); never to the moderator who decided.
Rows are handed to Celery after commit (`comments.outbox`).
"""

from collections.abc import Iterable, Iterator

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, MailPreference, MutedReader, Notification, Subscription
from comments.moderation import roles
from comments.outbound import outbox
from comments.threads.quoting import mentionable

Kind = Notification.Kind
BATCH = 1000
# When one address qualifies several ways for the same comment, the most personal wins.
PRIORITY = [Kind.PUBLISHED, Kind.REPLY, Kind.MENTION, Kind.ARTICLE_COMMENT, Kind.THREAD_COMMENT]
# A comment naming more readers than this tells the first ones only: a mention is a call to
# someone, not a way to mail a crowd.
MENTIONS_TOLD = 10
# Notices of a decision: they reach their recipient whatever becomes of the comment since.
OWED = [Kind.STATEMENT, Kind.RECEIPT, Kind.OUTCOME, Kind.APPEALED]
# Which MailPreference switch can silence each kind (and which one unsubscribing turns off).
PREFERENCE = {
    Kind.REPLY: "replies",
    Kind.MENTION: "mentions",
    Kind.ARTICLE_COMMENT: "article_comments",
    Kind.PUBLISHED: "published",
    Kind.HELD: "held_comments",
    Kind.CORRECTION: "corrections",
}


def _schedule(ids: list[int]) -> None:
    outbox.hand_out_after_commit(Notification, ids)


def _insert(rows: Iterable[Notification]) -> list[int]:
    """Store rows in batches; return the ids of those still to send."""
    created: list[int] = []
    batch: list[Notification] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            created += _insert_batch(batch)
            batch = []
    if batch:
        created += _insert_batch(batch)
    return created


def _insert_batch(batch: list[Notification]) -> list[int]:
    # A row that exists already (the same event for the same address) is skipped by the
    # database; what is read back is every unsent row of these events for these addresses.
    Notification.objects.bulk_create(batch, ignore_conflicts=True)
    return list(
        Notification.objects.filter(
            event__in={row.event for row in batch},
            recipient__in=[row.recipient for row in batch],
            state=Notification.State.PENDING,
            queued_at__isnull=True,
        ).values_list("pk", flat=True)
    )


def _verified(emails: set[str]) -> set[str]:
    return {
        email.lower()
        for email in EmailAddress.objects.filter(email__in=emails, verified=True).values_list(
            "email", flat=True
        )
    }


# --- A comment waits for a moderator --------------------------------------------------------


def queue_for_held(comment: Comment, occurrence: str) -> list[int]:
    """Moderators who opted in hear that `comment` waits; once per time it is held."""
    opted_in = MailPreference.objects.filter(email__iexact=OuterRef("email"), held_comments=True)
    moderators = roles.moderators().filter(Exists(opted_in)).exclude(pk=comment.user_id)
    rows = [
        Notification(
            event=f"held:{comment.pk}:{occurrence}",
            kind=Kind.HELD,
            recipient=user.email.lower(),
            user=user,
            comment=comment,
        )
        for user in moderators
    ]
    ids = _insert(rows)
    _schedule(ids)
    return ids


# --- A comment is published -------------------------------------------------------------------


def queue_for_approved(comments: list[Comment], *, were_held: set[int] = frozenset()) -> list[int]:
    """Mail about newly published comments; `were_held` names those a moderator approved."""
    if not comments:
        return []
    ids = _insert(_approval_rows(comments, were_held))
    # A comment published again after its mail was cancelled (removed, then restored): the
    # mail that never left goes now.
    reopened = Notification.objects.filter(
        event__in=[f"approved:{c.pk}" for c in comments], state=Notification.State.CANCELLED
    )
    reopened_ids = list(reopened.values_list("pk", flat=True))
    if reopened_ids:
        Notification.objects.filter(pk__in=reopened_ids).update(
            state=Notification.State.PENDING, last_error="", queued_at=None, claimed_at=None
        )
    ids += reopened_ids
    _schedule(ids)
    return ids


def queue_for_mentions(comment: Comment) -> list[int]:
    """Mail to the readers an edit of a public comment newly mentions (those named before
    were told when it was published: one mail per reader and comment)."""
    rows = [row for row in _approval_rows([comment], set()) if row.kind == Kind.MENTION]
    ids = _insert(rows)
    _schedule(ids)
    return ids


def _mentioned(comments: list[Comment]) -> dict[int, list]:
    """comment id -> the accounts it mentions that will hear of it (not those who muted its
    author). Two queries, whatever the number of comments."""
    names = dict(
        Comment.objects.filter(pk__in=[c.pk for c in comments]).values_list("pk", "mentions")
    )
    wanted = {name.lower() for told in names.values() for name in told[:MENTIONS_TOLD]}
    if not wanted:
        return {}
    users = {u.lower: u for u in mentionable().filter(lower__in=wanted).exclude(email="")}
    authors = {c.user_id for c in comments if c.user_id}
    muting = set(
        MutedReader.objects.filter(muted_id__in=authors, reader__in=users.values()).values_list(
            "reader_id", "muted_id"
        )
    )
    by_comment = {}
    for comment in comments:
        told = [users.get(name.lower()) for name in names.get(comment.pk, [])[:MENTIONS_TOLD]]
        by_comment[comment.pk] = [
            user for user in told if user and (user.pk, comment.user_id) not in muting
        ]
    return by_comment


def _approval_rows(comments: list[Comment], were_held: set[int]) -> Iterator[Notification]:
    articles = {c.article_id for c in comments}
    mentioned = _mentioned(comments)
    authors = _article_authors(articles)
    parents = {
        p.pk: p
        for p in Comment.objects.filter(pk__in={c.parent_id for c in comments if c.parent_id})
        .select_related("user")
        .only("pk", "user_id", "author_email", "user__email", "status")
    }
    confirmed, left = _subscriptions(articles)
    account_emails = {(p.user.email or "").lower() for p in parents.values() if p.user_id} | {
        e for emails in authors.values() for e, _ in emails
    }
    account_emails |= {(c.author_email or "").lower() for c in comments if c.user_id}
    account_emails |= {u.email.lower() for told in mentioned.values() for u in told}
    verified = _verified(account_emails)
    per_comment = [
        (
            comment,
            _candidates(comment, parents, authors, confirmed, left, verified, were_held, mentioned),
        )
        for comment in comments
    ]
    prefs = {
        pref.email: pref
        for pref in MailPreference.objects.filter(
            email__in={email for _, found in per_comment for email in found}
        )
    }
    for comment, candidates in per_comment:
        for email, offers in candidates.items():
            wanted = [offer for offer in offers if _wants(prefs.get(email), offer[0])]
            if not wanted:
                continue  # this address opted out of every way it qualifies
            kind, user, subscription = min(wanted, key=lambda offer: PRIORITY.index(offer[0]))
            yield Notification(
                event=f"approved:{comment.pk}",
                kind=kind,
                recipient=email,
                user=user,
                comment=comment,
                subscription=subscription,
            )


def _wants(pref: MailPreference | None, kind: str) -> bool:
    field = PREFERENCE.get(kind)
    return pref is None or field is None or getattr(pref, field)


def _candidates(comment, parents, authors, confirmed, left, verified, were_held, mentioned) -> dict:
    """email -> every (kind, user, subscription) by which it qualifies for this comment.

    An address that left this discussion (unsubscribed) hears nothing more of it."""
    own = (comment.author_email or "").lower()
    found: dict[str, list[tuple]] = {}
    subs = confirmed.get(comment.article_id, {})
    gone = left.get(comment.article_id, set())

    def offer(email: str, kind: str, user=None, subscription=None):
        email = (email or "").lower()
        if email and email not in gone:
            found.setdefault(email, []).append((kind, user, subscription))

    for email, sub in subs.items():
        if sub.scope == Subscription.Scope.THREAD:
            offer(email, Kind.THREAD_COMMENT, sub.user, sub)
    for email, user in authors.get(comment.article_id, []):
        if email in verified:
            offer(email, Kind.ARTICLE_COMMENT, user)
    parent = parents.get(comment.parent_id)
    # A parent with no address left had its author's personal data erased: nobody to tell.
    if parent is not None and parent.author_email:
        parent_email = (parent.user.email if parent.user_id else parent.author_email).lower()
        # A reply goes to an address we know belongs to its owner: verified, or confirmed.
        if parent_email in verified or parent_email in subs:
            offer(parent_email, Kind.REPLY, parent.user, subs.get(parent_email))
    for user in mentioned.get(comment.pk, ()):
        if user.email.lower() in verified:
            offer(user.email, Kind.MENTION, user)
    found.pop(own, None)  # nobody is told of their own comment...
    if comment.pk in were_held and (own in verified or own in subs):
        offer(own, Kind.PUBLISHED, comment.user, subs.get(own))  # ...but that it is published
    return found


def _article_authors(article_ids: set[int]) -> dict[int, list[tuple[str, object]]]:
    User = get_user_model()
    through = Article.authors.through
    rows = through.objects.filter(article_id__in=article_ids).values_list("article_id", "user_id")
    users = {
        u.pk: u for u in User.objects.filter(pk__in={uid for _, uid in rows}).exclude(email="")
    }
    result: dict[int, list] = {}
    for article_id, user_id in rows:
        if user_id in users:
            result.setdefault(article_id, []).append((users[user_id].email.lower(), users[user_id]))
    return result


def _subscriptions(article_ids: set[int]) -> tuple[dict, dict]:
    """Confirmed, active subscriptions by article and address; and the addresses that
    unsubscribed from each article."""
    confirmed: dict[int, dict[str, Subscription]] = {}
    left: dict[int, set[str]] = {}
    rows = Subscription.objects.filter(article_id__in=article_ids).filter(
        Q(unsubscribed_at__isnull=False) | Q(confirmed_at__isnull=False)
    )
    for sub in rows.select_related("user").iterator(chunk_size=BATCH):
        if sub.unsubscribed_at is not None:
            left.setdefault(sub.article_id, set()).add(sub.email)
        else:
            confirmed.setdefault(sub.article_id, {})[sub.email] = sub
    return confirmed, left


# --- A correction is decided -------------------------------------------------------------------


def queue_for_correction(comment: Comment, resolution) -> list[int]:
    """The reader who sent the correction `comment` hears the decision `resolution`: once
    per outcome, and what was queued about an earlier outcome and not sent yet is not sent.
    Addressed as "now published" is: a verified account address, or an address confirmed by
    a subscription to this discussion; not to the decider, nor after opting out."""
    Notification.objects.filter(
        comment=comment, kind=Kind.CORRECTION, state=Notification.State.PENDING
    ).exclude(event=_correction_event(comment, resolution)).update(
        state=Notification.State.CANCELLED, last_error="decided again before it was sent"
    )
    if not comment.author_email:
        return []  # its author's personal data was erased: nobody to tell
    user = comment.user if comment.user_id else None
    email = (user.email if user is not None else comment.author_email).lower()
    if not email or (resolution.decided_by_id and resolution.decided_by_id == comment.user_id):
        return []
    subscription = Subscription.objects.filter(article_id=comment.article_id, email=email).first()
    if subscription is not None and subscription.unsubscribed_at is not None:
        return []  # an address that left this discussion hears nothing more of it
    confirmed = subscription if subscription and subscription.confirmed_at else None
    if confirmed is None and email not in _verified({email}):
        return []
    if not _wants(MailPreference.objects.filter(email=email).first(), Kind.CORRECTION):
        return []
    ids = _insert(
        [
            Notification(
                event=_correction_event(comment, resolution),
                kind=Kind.CORRECTION,
                recipient=email,
                user=user,
                comment=comment,
                subscription=confirmed,
            )
        ]
    )
    _schedule(ids)
    return ids


def _correction_event(comment: Comment, resolution) -> str:
    return f"correction:{comment.pk}:{resolution.state}"


# --- A decision restricts a comment -------------------------------------------------------


def _author_addresses(deciders: dict[int, int | None]) -> dict[int, tuple]:
    """For each comment id (mapped to who decided on it), where its author may be told of a
    decision: (comment, user, email, subscription), at a verified account address or at an
    address that confirmed a subscription to the discussion (ownership proven), never an
    unverified one, and not when the author is the decider. Three queries."""
    authors = Comment.objects.filter(pk__in=deciders).select_related("user")
    authors = authors.only("id", "article_id", "author_email", "user_id", "user__email")
    wanted = {}
    for comment in authors:
        user = comment.user if comment.user_id else None
        email = ((user.email if user is not None else "") or comment.author_email).lower()
        decider = deciders[comment.pk]
        if comment.author_email and email and not (decider and decider == comment.user_id):
            wanted[comment.pk] = (comment, user, email)
    if not wanted:
        return {}
    emails = {email for _, _, email in wanted.values()}
    confirmed = {
        (sub.article_id, sub.email.lower()): sub
        for sub in Subscription.objects.filter(email__in=emails, confirmed_at__isnull=False)
    }
    verified = _verified(emails)
    found = {}
    for pk, (comment, user, email) in wanted.items():
        subscription = confirmed.get((comment.article_id, email))
        if subscription is not None or email in verified:
            found[pk] = (comment, user, email, subscription)
    return found


def queue_for_statements(statements: list) -> list[int]:
    """Each statement's author hears it, once, where `_author_addresses` says. Fixed queries
    for a batch."""
    by_comment = {row.comment_id: row for row in statements if row.comment_id}
    found = _author_addresses({pk: row.decided_by_id for pk, row in by_comment.items()})
    rows = [
        Notification(
            event=f"statement:{by_comment[pk].pk}",
            kind=Kind.STATEMENT,
            recipient=email,
            user=user,
            comment_id=pk,
            subscription=subscription,
        )
        for pk, (_comment, user, email, subscription) in found.items()
    ]
    ids = _insert(rows)
    _schedule(ids)
    return ids


# --- Notices and appeals ----------------------------------------------------------------------


def queue_for_notifiers(notices: list, kind: str) -> list[int]:
    """The receipt of each notice (Kind.RECEIPT) or the decision on it (Kind.OUTCOME), to the
    address its notifier gave, if any: they asked for it by sending the notice."""
    rows = [
        Notification(
            event=f"{kind}:{notice.pk}",
            kind=kind,
            recipient=notice.email.lower(),
            user=notice.user,
            comment_id=notice.comment_id,
        )
        for notice in notices
        if notice.email and notice.comment_id
    ]
    ids = _insert(rows)
    _schedule(ids)
    return ids


def queue_for_appellant(appeal) -> list[int]:
    """The outcome of an appeal, to the notifier's address or where its author hears of
    decisions."""
    if appeal.notice_id:
        notice = appeal.notice
        rows = [(notice.comment_id, notice.user, notice.email.lower(), None)]
        rows = rows if notice.email and notice.comment_id else []
    else:
        comment_id = appeal.statement.comment_id
        found = _author_addresses({comment_id: appeal.decided_by_id}) if comment_id else {}
        rows = [(pk, user, email, sub) for pk, (_c, user, email, sub) in found.items()]
    ids = _insert(
        Notification(
            event=f"appealed:{appeal.pk}",
            kind=Kind.APPEALED,
            recipient=email,
            user=user,
            comment_id=comment_id,
            subscription=subscription,
        )
        for comment_id, user, email, subscription in rows
    )
    _schedule(ids)
    return ids


# --- Subscriptions ----------------------------------------------------------------------------


def subscribe(*, article: Article, email: str, user=None, scope: str) -> Subscription:
    """Follow an article's discussion. Needs confirming unless the address is a verified
    address of the signed-in reader; then the confirmation mail is queued."""
    email = email.lower()
    trusted = user is not None and email in _verified({email})
    sub, _ = Subscription.objects.get_or_create(
        article=article, email=email, defaults={"user": user, "scope": scope}
    )
    changed = []
    if sub.unsubscribed_at is not None or sub.scope != scope:
        sub.unsubscribed_at, sub.scope = None, scope
        changed += ["unsubscribed_at", "scope"]
    if trusted and sub.confirmed_at is None:
        sub.confirmed_at = timezone.now()
        changed.append("confirmed_at")
    if changed:
        sub.save(update_fields=changed)
    if sub.confirmed_at is None:
        ids = _insert(
            [
                Notification(
                    event=f"confirm:{sub.pk}",
                    kind=Kind.CONFIRM,
                    recipient=email,
                    user=user,
                    subscription=sub,
                )
            ]
        )
        _schedule(ids)
    return sub


# --- Withdrawn comments ---------------------------------------------------------------------


def cancel_held(comment_ids: list[int]) -> int:
    """A decision was made: moderators need no longer be told the comment waits."""
    held = Q(pk__in=[])
    for pk in comment_ids:
        held |= Q(event__startswith=f"held:{pk}:")
    return Notification.objects.filter(held, state=Notification.State.PENDING).update(
        state=Notification.State.CANCELLED, last_error="decided before it was sent"
    )


def cancel_for(comment_ids: list[int]) -> int:
    """Unsent mail about comments that are no longer published is not sent, but for the
    mail owed to its recipient whatever becomes of the comment (a removal on notice must not
    withdraw the notifier's receipt)."""
    return (
        Notification.objects.filter(comment_id__in=comment_ids, state=Notification.State.PENDING)
        .exclude(kind__in=OWED)
        .update(state=Notification.State.CANCELLED, last_error="comment withdrawn")
    )
