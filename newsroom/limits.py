"""Limits by sender without keeping the sender in the clear: the ads' submission,
impression and click limits, and counting an article's reads once per address."""

import hashlib
import hmac

from django.conf import settings


def keyed_hash(kind: str, value: str) -> str:
    """A keyed hash of `value` (an address, an e-mail address) for one `kind` of limit:
    the database and the cache never hold it in the clear, and without SECRET_KEY the
    hash cannot be tried against every IPv4 address."""
    message = f"{kind}:{value.strip().lower()}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
