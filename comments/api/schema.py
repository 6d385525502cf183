"""What the OpenAPI schema says beyond what drf-spectacular reads from each view: the answers
any operation may give before its view runs, and the conditional GET that every read goes
through (`comments/api/conditional.py`). Views declare only the answers of their own."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions

from comments.api.errors import ErrorSerializer


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


NOT_MODIFIED = OpenApiResponse(
    description="Not Modified: the copy the client holds (its ETag) is current. No body."
)

_HEADER = OpenApiParameter.HEADER
CONDITIONAL_GET = [
    OpenApiParameter(
        "If-None-Match",
        str,
        _HEADER,
        description="The ETag of a copy held: 304 while it is current.",
    ),
    OpenApiParameter(
        "If-Modified-Since",
        str,
        _HEADER,
        description="An HTTP date; ignored when If-None-Match is sent.",
    ),
    OpenApiParameter(
        "ETag",
        {"type": "string", "pattern": '^"[0-9a-f]{32}"$'},
        _HEADER,
        required=True,
        description="A strong validator of this answer: send it back in If-None-Match.",
        response=[200, 304],
    ),
    OpenApiParameter(
        "Cache-Control",
        str,
        _HEADER,
        required=True,
        description="no-cache (private, no-cache when signed in): revalidate before reuse.",
        response=[200, 304],
    ),
    OpenApiParameter(
        "Last-Modified",
        str,
        _HEADER,
        description="On discussions: when the last comment changed.",
        response=[200, 304],
    ),
]
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    {"type": "string", "pattern": "^[0-9]+$"},
    _HEADER,
    required=True,
    description="Seconds to wait before trying again.",
    response=[429],
)


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, plus the answers every operation of this API can give."""

    def get_override_parameters(self):
        parameters = [*super().get_override_parameters(), RETRY_AFTER]
        if self.method == "GET":
            parameters += CONDITIONAL_GET
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, answer in self._common_answers().items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    answer, str(code), direction=direction
                )
        return dict(sorted(responses.items()))

    def _common_answers(self) -> dict[int, OpenApiResponse]:
        answers = {
            401: error("The token sent is unknown or revoked (even where reading is public)."),
            406: error("The Accept header asks for something other than JSON."),
            429: error("Too many requests: throttled, or posting too soon after the last."),
        }
        if self.method == "GET":
            answers[304] = NOT_MODIFIED
        if self.method not in permissions.SAFE_METHODS:
            answers[403] = error("Not allowed; or signed in by session without the CSRF token.")
        if self.method in ("POST", "PUT", "PATCH"):
            answers[400] = error("Malformed JSON or invalid fields.")
            answers[415] = error("The body is not JSON.")
        return answers
