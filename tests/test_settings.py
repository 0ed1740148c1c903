"""The README's settings table lists exactly the settings the app has, with their defaults."""

import re
from pathlib import Path

from app.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_settings_table_matches() -> None:
    rows = re.findall(r"^\| `LSL_(\w+)` \| `([^`]*)` \|", README.read_text(encoding="utf-8"), re.M)
    documented = {name.lower(): default for name, default in rows}
    fields = Settings.model_fields
    assert set(documented) == set(fields)
    for name, default in documented.items():
        assert str(fields[name].default).lower() == default.lower()
