from django.apps import AppConfig


class CommentsConfig(AppConfig):
    name = "comments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The Celery tasks register themselves with the outbox, which hands rows to them.
        from comments import tasks  # noqa: F401
