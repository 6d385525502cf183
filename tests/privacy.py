"""Finding a secret (an address, an IP) in what the site sends out: in clear, percent-encoded,
or inside a token (base64 of any alignment, URL-safe or not, zlib-compressed or not)."""

import base64
import binascii
import contextlib
import re
import zlib
from urllib.parse import unquote


def readable_forms(text: str):
    """The text, unquoted, and every base64 run in it decoded: what a curious reader does
    with a token they find in a link."""
    yield text
    yield unquote(text)
    for run in re.findall(r"[A-Za-z0-9+/_\-]{6,}", text):
        for offset in range(4):  # a run may start mid-quantum
            chunk = run[offset:]
            for decode in (base64.urlsafe_b64decode, base64.standard_b64decode):
                try:
                    raw = decode(chunk + "=" * (-len(chunk) % 4))
                except (binascii.Error, ValueError):
                    continue
                yield raw.decode("latin-1")
                with contextlib.suppress(zlib.error):
                    yield zlib.decompress(raw).decode("latin-1")


def reveals(text: str, secret: str) -> bool:
    secret = secret.lower()
    return any(secret in form.lower() for form in readable_forms(text))
