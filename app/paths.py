"""Where the files that are not Python live: page templates, static files, lesson content.

In a source checkout (and an editable install) they are the top-level `templates/`, `static/`
and `content/`; a wheel or the image carries them inside the package (pyproject's package-dir
puts them in app.web and app.content), so an installed copy never depends on a checkout.
"""

from pathlib import Path

APP = Path(__file__).resolve().parent
ROOT = APP.parent


def _find(package: str, name: str) -> Path:
    inside = APP / package / name if package else APP / name
    return inside if inside.is_dir() else ROOT / name


TEMPLATES = _find("web", "templates")
STATIC = _find("web", "static")
CONTENT = _find("", "content")
