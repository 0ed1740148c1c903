import json
from pathlib import Path

from app.schemas import schemas

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_docs_hold_the_generated_schemas() -> None:
    """docs/*.schema.json are generated from the models: regenerate with `make docs`."""
    for name, schema in schemas().items():
        on_disk = json.loads((DOCS / f"{name}.schema.json").read_text(encoding="utf-8"))
        assert on_disk == schema, f"docs/{name}.schema.json is stale: run make docs"
