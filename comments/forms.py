from django import forms
from django.conf import settings
from django.core.validators import MaxLengthValidator, URLValidator

from comments.models import Report


def _limit_body(field: forms.CharField) -> None:
    """Apply COMMENT_MAX_LENGTH as it is now (a setting moderators will be able to change)."""
    field.max_length = settings.COMMENT_MAX_LENGTH
    field.validators.append(MaxLengthValidator(field.max_length))
    field.widget.attrs["maxlength"] = str(field.max_length)


class CommentForm(forms.Form):
    """The "Leave a Reply" form. Signed-in readers do not see name, email and website."""

    name = forms.CharField(
        label="Name", max_length=100, error_messages={"required": "Please give your name."}
    )
    email = forms.EmailField(
        label="Email",
        max_length=254,
        error_messages={"required": "Please give your email address; it is never published."},
    )
    url = forms.URLField(
        label="Website",
        required=False,
        max_length=300,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
    )
    body = forms.CharField(
        label="Comment",
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Please write a comment."},
    )
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    save_details = forms.BooleanField(
        label="Save my name, email, and website in this browser for the next time I comment.",
        required=False,
    )
    wants_followups = forms.BooleanField(
        label="Notify me of follow-up comments by email.", required=False
    )

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.signed_in = signed_in
        _limit_body(self.fields["body"])
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["url"].widget.attrs["autocomplete"] = "url"
        if signed_in:
            for name in ("name", "email", "url", "save_details"):
                del self.fields[name]

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class EditCommentForm(forms.Form):
    body = CommentForm.base_fields["body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_body(self.fields["body"])


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is wrong with this comment?",
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="Anything the moderators should know (optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
