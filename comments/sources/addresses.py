"""Which addresses the server may open a connection to when it fetches a reader's source.

Only globally routable unicast addresses. The check does not trust `ipaddress.is_global`
alone (its tables changed between Python releases): an address must also be outside every
special-purpose block listed below (IANA's IPv4 and IPv6 special-purpose registries, plus
multicast and the old site-local block). IPv4-mapped (::ffff:a.b.c.d) and NAT64
(64:ff9b::a.b.c.d) IPv6 addresses are judged by the IPv4 address inside them; 6to4 and
Teredo are refused outright, since the address they lead to is not the one connected to.

Tests reach their own HTTP servers through one narrow opening: the setting
`COMMENT_SOURCES_ALLOW_LOOPBACK`, a collection of exact "ip:port" strings ("127.0.0.1:8001",
"[::1]:8001"). Each must be a loopback address; it opens that one port on that one address
and nothing else. Empty (the default) everywhere but in tests.
"""

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_REFUSED_V4 = tuple(
    ipaddress.IPv4Network(block)
    for block in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local (cloud metadata services live here)
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast (deprecated)
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
    )
)
_REFUSED_V6 = tuple(
    ipaddress.IPv6Network(block)
    for block in (
        "::/96",  # unspecified, loopback and the deprecated IPv4-compatible addresses
        "64:ff9b:1::/48",  # local-use IPv4/IPv6 translation
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, Teredo among them
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
_IPV4_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public(address: IPAddress) -> bool:
    """True when `address` is globally routable unicast: the only kind a source may be on."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return False
        if address in _IPV4_MAPPED or address in _NAT64:
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        refused = _REFUSED_V6
    else:
        refused = _REFUSED_V4
    if any(address in block for block in refused):
        return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def is_allowed(address: IPAddress, port: int) -> bool:
    """True when the server may connect to `address` on `port`: a public address, or one of
    the exact loopback pairs a test opened (see the module's docstring)."""
    return is_public(address) or (address, port) in _loopback_allowed()


def _loopback_allowed() -> set[tuple[IPAddress, int]]:
    value = getattr(settings, "COMMENT_SOURCES_ALLOW_LOOPBACK", ())
    if not value:
        return set()
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ImproperlyConfigured(
            'COMMENT_SOURCES_ALLOW_LOOPBACK is a collection of "ip:port" strings'
        )
    return {_loopback_pair(entry) for entry in value}


def _loopback_pair(entry: object) -> tuple[IPAddress, int]:
    problem = f'COMMENT_SOURCES_ALLOW_LOOPBACK: {entry!r} is not a loopback "ip:port"'
    if not isinstance(entry, str):
        raise ImproperlyConfigured(problem)
    host, _, port = entry.rpartition(":")
    try:
        address = ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
        number = int(port)
    except ValueError:
        raise ImproperlyConfigured(problem) from None
    if not address.is_loopback or not 0 < number < 65536:
        raise ImproperlyConfigured(problem)
    return address, number
