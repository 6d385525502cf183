import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured

from comments.sources.addresses import is_allowed, is_public

REFUSED = [
    "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
    "0.1.2.3",
    "10.0.0.1",
    "100.64.0.1",
    "100.127.255.254",
    "127.0.0.1",
    "127.0.0.2",
    "127.255.255.255",
    "169.254.169.254",
    "172.16.0.1",
    "172.31.255.255",
    "192.0.0.1",
    "192.0.0.9",
    "192.0.2.1",
    "192.88.99.1",
    "192.168.1.1",
    "198.18.0.1",
    "198.51.100.1",
    "203.0.113.1",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::127.0.0.1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::10.0.0.1",
    "64:ff9b::127.0.0.1",
    "64:ff9b:1::8.8.8.8",
    "100::1",
    "2001::1",  # Teredo
    "2001:db8::1",
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:808:808::1",  # 6to4, even of a public address
    "3fff::1",
    "5f00::1",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "fec0::1",
    "ff02::1",
]
PUBLIC = [
    "1.1.1.1",
    "8.8.8.8",
    "93.184.216.34",
    "100.63.255.255",
    "100.128.0.1",
    "172.15.255.255",
    "172.32.0.1",
    "192.0.1.1",
    "223.255.255.254",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::8.8.8.8",
]


@pytest.mark.parametrize("address", REFUSED)
def test_special_purpose_addresses_are_not_public(address):
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_globally_routable_addresses_are_public(address):
    assert is_public(ipaddress.ip_address(address))


def test_nothing_but_public_addresses_is_allowed_by_default():
    assert is_allowed(ipaddress.ip_address("8.8.8.8"), 443)
    assert not is_allowed(ipaddress.ip_address("127.0.0.1"), 8000)


def test_the_test_opening_allows_one_loopback_address_and_port(settings):
    settings.COMMENT_SOURCES_ALLOW_LOOPBACK = {"127.0.0.1:8001", "[::1]:8002"}

    assert is_allowed(ipaddress.ip_address("127.0.0.1"), 8001)
    assert is_allowed(ipaddress.ip_address("::1"), 8002)
    assert not is_allowed(ipaddress.ip_address("127.0.0.1"), 8002)
    assert not is_allowed(ipaddress.ip_address("127.0.0.2"), 8001)
    assert not is_allowed(ipaddress.ip_address("::ffff:127.0.0.1"), 8001)
    assert not is_allowed(ipaddress.ip_address("10.0.0.1"), 8001)


@pytest.mark.parametrize(
    "value",
    [
        True,
        "127.0.0.1:8000",
        ["10.0.0.1:80"],
        ["192.168.1.1:80"],
        ["169.254.169.254:80"],
        ["0.0.0.0:80"],
        ["127.0.0.1"],
        ["127.0.0.1:0"],
        ["127.0.0.1:http"],
        ["localhost:8000"],
        [8000],
    ],
)
def test_the_opening_refuses_anything_but_exact_loopback_pairs(settings, value):
    settings.COMMENT_SOURCES_ALLOW_LOOPBACK = value

    with pytest.raises(ImproperlyConfigured, match="COMMENT_SOURCES_ALLOW_LOOPBACK"):
        is_allowed(ipaddress.ip_address("127.0.0.1"), 8000)
