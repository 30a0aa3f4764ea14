"""A TestClient over an app with its own job database and one worker process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings


def make_client(tmp_path: Path, **overrides: object) -> TestClient:
    """A client (not yet started) for an app with settings ``overrides``."""
    fields: dict[str, object] = {"data_dir": tmp_path, "workers": 1, "queue_size": 2}
    fields.update(overrides)
    return TestClient(create_app(Settings.model_validate(fields)))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One started app shared by a module's tests (starting workers takes a second)."""
    with make_client(tmp_path_factory.mktemp("api")) as c:
        yield c
