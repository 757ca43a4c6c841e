"""Every test here keeps the parsed-activity cache in its own temp folder (never the user's home)."""

import pytest


@pytest.fixture(autouse=True)
def _activity_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("STRIDELAB_CACHE_DIR", str(tmp_path_factory.mktemp("activity-cache")))
