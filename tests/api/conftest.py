from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with its lifespan run, one per test file; results are kept in the file's own
    directory, never in one another run filled."""
    cache = tmp_path_factory.mktemp("cache")
    with TestClient(create_app(Settings(warm_up=False, cache_dir=str(cache)))) as c:
        yield c
