"""The sources a comment cites: checking a reader's URL when the form is sent (`urls`), which
addresses the server may connect to (`addresses`), fetching a page within strict limits
(`fetching`), reading its title, publisher and date (`metadata`), and the rule that turns
periodic re-checks into "unreachable since DATE" (`checking`).

Nothing here touches the database: models, forms, Celery tasks and templates call in.
"""
