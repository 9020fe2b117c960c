"""The client's IP address, read correctly behind a configured number of proxies.

Written here rather than taken from django-ipware: its proxy-count mode answered None for an
ordinary one-proxy X-Forwarded-For, and the rule is four lines. Each trusted proxy appends the
address it received the request from, so with N proxies in front the client is the N-th entry
from the right; anything further left was written by the client and may be forged.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    hops = settings.KITHKIN_TRUSTED_PROXIES
    if hops:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            return _valid(forwarded[-hops])
    return _valid(request.META.get("REMOTE_ADDR"))


def _valid(address: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None
