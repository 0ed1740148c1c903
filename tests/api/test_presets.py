from __future__ import annotations

from fastapi.testclient import TestClient

from app.presets import PRESETS


def test_presets_are_listed_in_order_with_their_descriptions(client: TestClient) -> None:
    listed = client.get("/api/presets").json()
    assert [p["name"] for p in listed] == [
        "poem",
        "ramp",
        "sine",
        "moving_average",
        "text",
        "values",
    ]
    assert all(p["description"] == PRESETS[p["name"]] for p in listed)
    assert client.get("/api/presets/poem").json() == listed[0]


def test_an_unknown_preset_is_404_naming_the_presets(client: TestClient) -> None:
    r = client.get("/api/presets/nope")
    assert r.status_code == 404 and "'nope'" in r.json()["detail"]
    assert all(name in r.json()["detail"] for name in PRESETS)
