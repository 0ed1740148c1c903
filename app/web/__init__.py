"""Templates and static files of the explorer (served by app.api.pages)."""

from pathlib import Path

WEB = Path(__file__).resolve().parent
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
