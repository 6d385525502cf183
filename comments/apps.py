from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The Celery tasks register themselves with the outbox, which hands rows to them.
        from articles.signals import revision_recorded
        from comments import tasks
        from comments.forms import form_shown_token
        from config import pagecache

        revision_recorded.connect(_reanchor_on_commit, dispatch_uid="comments.reanchor")
        pagecache.connect_receivers()
        # The comment form's timestamp is made for each reader of a cached page.
        pagecache.make_fresh("shown_at", lambda request: form_shown_token())
        self.tasks = tasks


def _reanchor_on_commit(sender, article, revision, **kwargs) -> None:
    """A new revision: once it is committed, a worker places the anchors in it."""
    from django.db import transaction

    from comments import tasks

    if revision.number > 1:
        transaction.on_commit(lambda: tasks.reanchor_article_task.delay(article.pk))
