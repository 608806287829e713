"""Text keys for search. Issue 5 replaces this with full Cyrillic/Latin normalisation."""

import re

_SPACES = re.compile(r"\s+")


def search_key(*parts: str | None) -> str:
    """Lower-cased, ё folded to е, spaces collapsed: what name search compares.

    SQLite's LIKE folds case only for ASCII, so Cyrillic search needs a stored key.
    """
    text = " ".join(p for p in parts if p)
    text = text.lower().replace("ё", "е")
    return _SPACES.sub(" ", text).strip()
