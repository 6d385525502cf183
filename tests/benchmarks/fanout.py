"""Figures for `make bench`: one approval fanned out to many subscribers, into a real SMTP
server (aiosmtpd, in this process) through the real task code, Celery running eagerly."""

import logging
import multiprocessing
import resource
import socket
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, Notification, Subscription
from comments.moderation import transitions
from config.celery import app as celery_app


class CountingSink:
    """Counts what arrives, and how many distinct Message-IDs; runs in its own process, as
    a mail server would, so it does not compete with the sender for the interpreter."""

    def __init__(self, count, distinct):
        self.count, self.distinct, self.ids = count, distinct, set()

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                self.ids.add(line)
                break
        with self.count.get_lock():
            self.count.value += 1
            self.distinct.value = len(self.ids)
        return "250 OK"


def _serve(port: int, count, distinct, stop) -> None:
    from aiosmtpd.controller import Controller  # a development dependency

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(CountingSink(count, distinct), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the SMTP sink did not start")


def run(subscribers: int, write: Callable[[str], None]) -> dict:
    context = multiprocessing.get_context("fork")
    count, distinct, stop = context.Value("i", 0), context.Value("i", 0), context.Event()
    port = _free_port()
    server = context.Process(target=_serve, args=(port, count, distinct, stop), daemon=True)
    server.start()
    _wait_for_port(port)
    smtp = {
        "EMAIL_DELIVERY_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
    }
    eager = celery_app.conf.task_always_eager
    article = Article.objects.create(
        title="Fan-out benchmark",
        slug=f"bench-fanout-{int(time.time())}",
        standfirst="Throwaway.",
        body="Text.",
        status=Article.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    try:
        Subscription.objects.bulk_create(
            (
                Subscription(
                    article=article, email=f"s{n}@bench.example", confirmed_at=timezone.now()
                )
                for n in range(subscribers)
            ),
            batch_size=2000,
        )
        comment = Comment.objects.create(
            article=article, author_name="Bench", author_email="bench@example.org", body="x",
            body_html="<p>x</p>", status=Comment.Status.PENDING, depth=0,
        )  # fmt: skip
        moderator = get_user_model().objects.get_or_create(username="bench-moderator")[0]
        celery_app.conf.task_always_eager = True
        quiet = [logging.getLogger(name) for name in ("mail.log", "celery", "comments")]
        levels = [logger.level for logger in quiet]
        for logger in quiet:
            logger.setLevel(logging.WARNING)
        rss_before = _peak_rss_mib()
        with override_settings(**smtp):
            started = time.perf_counter()
            transitions.change_status(comment, Comment.Status.APPROVED, actor=moderator)
            elapsed = time.perf_counter() - started
        peak = _peak_rss_mib()
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)
        sent = Notification.objects.filter(comment=comment, state="sent").count()
        received = count.value
        duplicates = received - distinct.value
        write(
            f"Fan-out of one approval to {subscribers:,} subscribers: {elapsed:.1f} s, "
            f"peak RSS of this process {peak:.0f} MiB ({rss_before:.0f} MiB before), "
            f"{received:,} mails received, "
            f"{sent:,} rows sent, {duplicates} duplicates."
        )
        return {
            "seconds": elapsed,
            "peak_mib": peak,
            "received": received,
            "duplicates": duplicates,
        }
    finally:
        celery_app.conf.task_always_eager = eager
        stop.set()
        server.join(timeout=10)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM comments_notification WHERE comment_id IN "
                "(SELECT id FROM comments_comment WHERE article_id = %s)",
                [article.pk],
            )
            cursor.execute(
                "DELETE FROM comments_moderationevent WHERE comment_id IN "
                "(SELECT id FROM comments_comment WHERE article_id = %s)",
                [article.pk],
            )
            cursor.execute("DELETE FROM comments_comment WHERE article_id = %s", [article.pk])
            Subscription.objects.filter(article=article).delete()
            article.delete()
