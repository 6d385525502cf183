"""Whether a URL a reader gives may be cited, checked when the form is sent (no DNS then:
`fetching` checks the resolved addresses on every request).

`check_url` returns the URL in one plain ASCII spelling: scheme and host lower-cased, an
international host name in its IDNA form (bücher.example becomes xn--bcher-kva.example),
a legacy IPv4 spelling (2130706433, 0x7f.1) as dotted quads, spaces and other non-ASCII
characters of the path, query and fragment percent-encoded. The same URL given twice is
stored the same way, and `fetching` can send it as it is.
"""

import ipaddress
import re
import socket
from urllib.parse import quote, urlsplit, urlunsplit

from comments.sources import addresses

MAX_LENGTH = 2000
DEFAULT_PORTS = {"http": 80, "https": 443}

# Percent-encode what a URL cannot carry as it is; keep every character that has a meaning.
_KEEP = "!#$%&'()*+,/:;=?@[]~"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)", re.ASCII)
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*", re.ASCII)


class BadSourceURL(ValueError):
    """The URL may not be cited. `message` is for the reader; `code` says why, in the words
    of `fetching.Outcome` ("bad_url", "bad_scheme" or "refused_address")."""

    def __init__(self, message: str, code: str = "bad_url"):
        super().__init__(message)
        self.message = message
        self.code = code


def check_url(text: str) -> str:
    """The URL in its plain spelling (see the module's docstring), or `BadSourceURL`."""
    url = (text or "").strip()
    if not url:
        raise BadSourceURL("Enter the web address of the source.")
    if len(url) > MAX_LENGTH:
        raise BadSourceURL(f"Use a web address of at most {MAX_LENGTH:,} characters.")
    if _CONTROL.search(url):
        raise BadSourceURL("A web address cannot hold control characters such as line breaks.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BadSourceURL("That web address is not well formed.") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise BadSourceURL("Use a web address starting with http:// or https://.", "bad_scheme")
    if parts.username is not None or parts.password is not None:
        raise BadSourceURL("Leave the user name and password out of the web address.")
    if not parts.hostname:
        raise BadSourceURL("That web address has no site name in it.")
    if port == 0:
        raise BadSourceURL("That web address has an invalid port.")
    host = _host(parts.hostname, port or DEFAULT_PORTS[scheme])
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    plain = urlunsplit(
        (scheme, netloc, *(quote(part, safe=_KEEP) for part in parts[2:])),
    )
    if len(plain) > MAX_LENGTH:
        raise BadSourceURL(f"Use a web address of at most {MAX_LENGTH:,} characters.")
    return plain


def _host(name: str, port: int) -> str:
    """The host in ASCII, checked: a literal address must be one the server may reach."""
    address = _literal_address(name)
    if address is not None:
        if not addresses.is_allowed(address, port):
            raise BadSourceURL(
                "That web address points into a private or local network; "
                "cite a page on the public web.",
                "refused_address",
            )
        return str(address)
    try:
        ascii_name = name.lower().encode("idna").decode("ascii")
    except UnicodeError:
        raise BadSourceURL("That web address has an invalid site name.") from None
    labels = ascii_name.removesuffix(".").split(".")
    if len(ascii_name) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise BadSourceURL("That web address has an invalid site name.")
    if labels[-1] == "localhost":
        raise BadSourceURL(
            "That web address points at this computer; cite a page on the public web.",
            "refused_address",
        )
    if len(labels) < 2:
        raise BadSourceURL("Use the site's full name in the web address, like example.org.")
    return ascii_name


def _literal_address(name: str) -> addresses.IPAddress | None:
    """The address `name` spells, if it spells one: IPv6 in brackets, or IPv4 in any form a
    resolver or browser accepts (a name whose last label is a number is an IPv4 address)."""
    if ":" in name:
        try:
            return ipaddress.IPv6Address(name)
        except ValueError:
            raise BadSourceURL("That web address has an invalid IP address.") from None
    last = name.lower().removesuffix(".").rpartition(".")[2]
    if not _NUMERIC_LABEL.fullmatch(last):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(name.removesuffix(".")))
    except (OSError, ValueError):
        raise BadSourceURL("That web address has an invalid IP address.") from None
