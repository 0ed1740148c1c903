from fastapi.testclient import TestClient
from app.main import create_app
from app.settings import Settings
POEM = {"data": {"preset": "poem"}, "batching": {"batch_size": 2, "timesteps": 5}}

def test_overflow() -> None:
    with TestClient(create_app(Settings(warm_up=False))) as c, c.websocket_connect("/ws/live") as ws:
        ws.send_json({"type": "load", "scenario": POEM}); assert ws.receive_json()["type"] == "loaded"
        ws.send_json({"type": "set_state", "values": [[1e308] * 8] * 2})
        print(str(ws.receive())[:300])
        ws.send_json({"type": "set_state", "values": [[1e308] * 8] * 2})
        print(str(ws.receive())[:300])
