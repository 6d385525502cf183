"""Field shape and friendly errors for the articles' HTML forms."""

from django import forms
from django.utils.formats import date_format
from django.utils.timezone import localtime

from articles.models import ArticleRevision


class RevisionCompareForm(forms.Form):
    """Two revisions of one article to compare, by number: `from` and `to` (any order)."""

    def __init__(self, data=None, *, revisions: list[ArticleRevision], initial=None):
        super().__init__(data, initial=initial)
        choices = [
            (
                revision.number,
                f"{revision.number} · {date_format(localtime(revision.published_at), 'j F Y')}",
            )
            for revision in revisions
        ]
        for name, label in (("from", "From revision"), ("to", "To revision")):
            self.fields[name] = forms.TypedChoiceField(
                label=label,
                choices=choices,
                coerce=int,
                error_messages={
                    "required": "Choose a revision.",
                    "invalid_choice": "This article has no revision “%(value)s”.",
                },
            )

    def clean(self):
        data = super().clean()
        if data.get("from") is not None and data.get("from") == data.get("to"):
            raise forms.ValidationError("Choose two different revisions to compare.")
        return data
