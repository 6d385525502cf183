import time

from django import forms
from django.conf import settings
from django.core import signing
from django.core.validators import MaxLengthValidator, URLValidator

from articles.text import carriable, carriable_values
from comments.models import (
    MAX_SOURCES,
    NOTICE_GROUNDS,
    Comment,
    MailPreference,
    Report,
    Subscription,
)
from comments.models.notices import CHILD_ABUSE, OTHER_LAW
from comments.moderation import roles
from comments.sources import citing

_SIGNER = signing.TimestampSigner(salt="comments.form-shown")
NO_TIMESTAMP = -1.0


def _limit_body(field: forms.CharField, max_length: int) -> None:
    """Apply the moderators' current length limit."""
    field.max_length = max_length
    field.validators.append(MaxLengthValidator(max_length))
    field.widget.attrs["maxlength"] = str(max_length)


def form_shown_token(at: float | None = None) -> str:
    return _SIGNER.sign(f"{time.time() if at is None else at:.3f}")


def seconds_since_shown(token: str) -> float:
    """Seconds since the form carrying `token` was shown; NO_TIMESTAMP if it is not ours."""
    try:
        shown = float(_SIGNER.unsign(token))
    except (signing.BadSignature, ValueError):
        return NO_TIMESTAMP
    return max(0.0, time.time() - shown)


class ReaderForm(forms.Form):
    """A form for text a reader sends: every value follows the site's rule for reader text
    (`articles.text`) before any field sees it, so lengths and "required" apply to what is
    stored."""

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = _carried(data)
        super().__init__(data, *args, **kwargs)


def _carried(data):
    if hasattr(data, "getlist"):  # a QueryDict: every value of every key
        copy = data.copy()
        for key in copy:
            copy.setlist(key, [carriable(value) for value in data.getlist(key)])
        return copy
    return carriable_values(dict(data))


class CommentForm(ReaderForm):
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
    # The reader's label: empty or "comment" is none. Whether the article can take the label
    # (a correction needs authors) is the posting service's to say.
    kind = forms.ChoiceField(
        label="Label (optional)",
        choices=[
            (Comment.Kind.COMMENT, "No label"),
            *((value, label) for value, label in Comment.Kind.choices if value != "comment"),
        ],
        initial=Comment.Kind.COMMENT,
        required=False,
        widget=forms.RadioSelect,
        help_text="A correction goes to the article's authors, who may correct the article.",
        error_messages={"invalid_choice": "Choose one of the labels offered, or none."},
    )
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    save_details = forms.BooleanField(
        label="Save my name, email, and website in this browser for the next time I comment.",
        required=False,
    )
    wants_followups = forms.BooleanField(
        label="Notify me of follow-up comments by email.", required=False
    )
    followup_scope = forms.ChoiceField(
        label="Which comments",
        choices=Subscription.Scope.choices,
        initial=Subscription.Scope.THREAD,
        required=False,
    )
    # The revision of the article the reader read, and the passage their comment is on
    # (both signed by the page: comments.passages.placing).
    revision = forms.CharField(required=False, widget=forms.HiddenInput)
    anchor = forms.CharField(required=False, widget=forms.HiddenInput)
    # Bot traps: a field people never see, and when the form was shown (signed).
    homepage = forms.CharField(label="Leave this field empty", required=False)
    shown_at = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, signed_in: bool = False, max_length: int = 10_000, **kwargs):
        super().__init__(*args, **kwargs)
        self.signed_in = signed_in
        _limit_body(self.fields["body"], max_length)
        self.fields["homepage"].widget.attrs.update(tabindex="-1", autocomplete="off")
        if not self.is_bound:
            self.initial["shown_at"] = form_shown_token()
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["url"].widget.attrs["autocomplete"] = "url"
        if signed_in:
            for name in ("name", "email", "url", "save_details"):
                del self.fields[name]

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def source_rows(self) -> list[tuple[int, str, str]]:
        """(number, URL, title) of the form's source rows, as sent or empty."""
        urls, titles = self._source_values()
        count = max(MAX_SOURCES, len(urls))
        urls += [""] * (count - len(urls))
        titles += [""] * (count - len(titles))
        return [(n + 1, urls[n], titles[n]) for n in range(count)]

    def sources_given(self) -> bool:
        return any(url.strip() for url in self._source_values()[0])

    def _source_values(self) -> tuple[list[str], list[str]]:
        if not self.is_bound or not hasattr(self.data, "getlist"):
            return [], []
        return self.data.getlist("source_url"), self.data.getlist("source_title")

    def clean(self):
        data = super().clean()
        urls, titles = self._source_values()
        given = [
            citing.Cited(url=url, title=titles[n] if n < len(titles) else "")
            for n, url in enumerate(urls)
        ]
        try:
            data["sources"] = citing.cleaned(given)
        except citing.SourcesRefused as refused:
            self.add_error(None, refused.message)
        return data

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or Comment.Kind.COMMENT


class EditCommentForm(ReaderForm):
    body = CommentForm.base_fields["body"]

    def __init__(self, *args, max_length: int = 10_000, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_body(self.fields["body"], max_length)


class PreviewForm(EditCommentForm):
    """The comment alone, for the live preview: the same checks as the form it comes from."""


class ReportForm(ReaderForm):
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


_MAX_URL = 2000


class NoticeForm(ReaderForm):
    """A notice of illegal content (DSA Art. 16(2)): the ground, why, where, who, and the
    statement of good faith. Name and email may be left out for child sexual abuse only."""

    ground = forms.ChoiceField(
        label="Which law does this comment break?",
        choices=NOTICE_GROUNDS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the kind of illegal content."},
    )
    other_law = forms.CharField(
        label="If another law: which one, and where it applies",
        required=False,
        max_length=255,
    )
    explanation = forms.CharField(
        label="Why is this comment illegal?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Explain why the comment is illegal."},
    )
    urls = forms.CharField(
        label="Further addresses of the same content (optional, one per line)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    name = forms.CharField(label="Your name", required=False, max_length=120)
    email = forms.EmailField(
        label="Your email", required=False, help_text="For the receipt and the decision only."
    )
    good_faith = forms.BooleanField(
        label="I believe in good faith that the information and allegations in this notice "
        "are accurate and complete.",
        error_messages={"required": "A notice needs this statement of good faith."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["urls"].max_length = (_MAX_URL + 2) * settings.NOTICE_MAX_URLS
        self.fields["urls"].validators.append(MaxLengthValidator(self.fields["urls"].max_length))

    def clean_urls(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["urls"].splitlines() if line.strip()]
        limit = settings.NOTICE_MAX_URLS
        if len(lines) > limit:
            raise forms.ValidationError(f"List at most {limit} further addresses.")
        check = URLValidator(schemes=["http", "https"])
        for line in lines:
            try:
                if len(line) > _MAX_URL:
                    raise forms.ValidationError("too long")
                check(line)
            except forms.ValidationError:
                raise forms.ValidationError(
                    f"Each line must be one web address (http or https, at most {_MAX_URL} "
                    "characters)."
                ) from None
        return list(dict.fromkeys(lines))

    def clean(self):
        data = super().clean()
        ground = data.get("ground")
        if ground == OTHER_LAW and not data.get("other_law"):
            self.add_error("other_law", "Name the law the comment breaks.")
        if ground and ground != CHILD_ABUSE:
            if not data.get("name"):
                self.add_error("name", "Give your name (it is only optional for child abuse).")
            if not data.get("email") and "email" not in self.errors:
                self.add_error("email", "Give your email (it is only optional for child abuse).")
        return data


class AppealForm(ReaderForm):
    explanation = forms.CharField(
        label="Why should the decision change?",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Explain why the decision should change."},
    )


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = MailPreference
        fields = [
            "replies",
            "mentions",
            "article_comments",
            "published",
            "corrections",
            "held_comments",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not roles.is_moderator(user):
            del self.fields["held_comments"]


class TokenForm(ReaderForm):
    name = forms.CharField(
        label="Name", max_length=80, help_text="What the token is for, e.g. “newsletter tool”."
    )


ERASE_CHOICES = [
    ("keep", "Keep my comments, shown as “Anonymous”"),
    ("delete", "Delete my comments (replies to them stay, under “This comment was deleted”)"),
]


class EraseForm(forms.Form):
    """A reader erases their personal data from their account page."""

    comments = forms.ChoiceField(
        label="What should happen to your comments?",
        choices=ERASE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what should happen to your comments."},
    )
    confirm = forms.BooleanField(
        label="I understand that this cannot be undone",
        error_messages={"required": "Tick the box to confirm that you want your data erased."},
    )


class StaffPersonalDataForm(ReaderForm):
    """Staff find an address's data, to hand over or to erase."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={"required": "Enter the email address the request is about."},
    )
    comments = forms.ChoiceField(
        label="When erasing, the comments",
        choices=[
            ("keep", "Keep them, shown as “Anonymous”"),
            ("delete", "Delete them (replies stay, under a tombstone)"),
        ],
        initial="keep",
        widget=forms.RadioSelect,
        required=False,
    )
    confirm = forms.BooleanField(
        label="I have checked that the request comes from the owner of this address",
        required=False,
    )

    def __init__(self, *args, erase: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.erase = erase

    def clean(self):
        data = super().clean()
        if self.erase:
            if not data.get("comments"):
                self.add_error("comments", "Choose what happens to the comments.")
            if not data.get("confirm"):
                self.add_error("confirm", "Tick the box to confirm the erasure.")
        return data
