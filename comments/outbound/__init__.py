"""What leaves the site: who is told what (recipients), mail, subscriptions, webhooks, and the
outbox that hands them to Celery at least once."""
