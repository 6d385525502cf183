"""What the articles app tells the rest of the site."""

from django.dispatch import Signal

# A new revision of an article's public text was recorded (arguments: article, revision),
# sent inside the transaction that saved it; receivers that start work do it on commit.
revision_recorded = Signal()
