"""Who sent a request: one rule for the ads' limits, the login throttle and the audit log."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The sender's address; behind N trusted proxies, the Nth entry from the right of
    X-Forwarded-For (entries further left are whatever the sender wrote)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


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
