"""Who sent a request: one rule for the ads' limits, the login throttle and the audit log."""

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def in_networks(ip: str, entries: Iterable[str]) -> bool:
    """Whether `ip` is one of `entries` (addresses or networks, as the settings list them)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(tuple(entries)))


def is_trusted_proxy(ip: str) -> bool:
    """Whether `ip` is one of TRUSTED_PROXIES (addresses or networks)."""
    return in_networks(ip, settings.TRUSTED_PROXIES)


def client_ip(request) -> str:
    """The sender's address. Behind TRUSTED_PROXY_COUNT proxies, read X-Forwarded-For from
    the right, one entry per proxy, and only as long as the hop that wrote it is one of
    TRUSTED_PROXIES: a request that reaches the app directly (or through a stranger) is
    its REMOTE_ADDR, whatever X-Forwarded-For it carries. Entries further left are whatever
    the sender wrote."""
    sender = request.META.get("REMOTE_ADDR", "")
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [p for p in forwarded if p]
    for _ in range(settings.TRUSTED_PROXY_COUNT):
        if not forwarded or not is_trusted_proxy(sender):
            break
        sender = forwarded.pop()
    return sender


def sender_group(ip: str) -> str:
    """The unit a limit by address counts: an IPv4 address, or the /64 network of an IPv6
    address (one connection usually owns a whole /64, so single addresses are free)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def client_network(request) -> str:
    """client_ip for the login throttle: an IPv6 sender as its /64's first address (the
    throttle stores an address, not a network)."""
    return sender_group(client_ip(request)).removesuffix("/64")
