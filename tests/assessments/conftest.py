"""The assessment tests read messages in English (the interface itself is Russian first)."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield
