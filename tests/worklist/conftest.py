import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _fresh_worklist_cache():
    """The worklist's adherence figures are cached by what they are counted from: start each test empty."""
    caches["worklist"].clear()
    yield
    caches["worklist"].clear()
