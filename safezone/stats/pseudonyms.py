"""Pseudonyms of the projection: a keyed hash (HMAC-SHA256) of a record's kind and id.

The key comes from SAFEZONE_STATS_KEY or var/stats_key (generated on first run), never from the
database: with the database alone nobody can turn a pseudonym back into a case or a person, and
the same person has the same pseudonym in every domain (a repeat is still seen as a repeat).
"""

import hashlib
import hmac

from django.conf import settings

# 96 bits: collisions among a region's few million records are practically impossible.
LENGTH = 24


def _key() -> bytes:
    return settings.SAFEZONE_STATS_KEY.encode()


def pseudonym(kind: str, pk) -> str:
    """The pseudonym of one record (`kind` as "person", "case", "contact"...); empty for no record."""
    if pk is None:
        return ""
    return hmac.new(_key(), f"{kind}:{pk}".encode(), hashlib.sha256).hexdigest()[:LENGTH]


def pseudonymiser(kind: str):
    """A fast pseudonym function for one kind (the keyed state is built once, copied per value)."""
    base = hmac.new(_key(), f"{kind}:".encode(), hashlib.sha256)

    def one(pk) -> str:
        if pk is None:
            return ""
        h = base.copy()
        h.update(str(pk).encode())
        return h.hexdigest()[:LENGTH]

    return one
