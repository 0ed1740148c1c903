"""Where the page templates and static files are.

In a source checkout (and an editable install) they are the top-level `templates/` and
`static/`; a wheel or the image carries them inside this package (pyproject's package-dir puts
them there), so an installed copy never depends on a checkout.
"""

from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _find(name: str) -> Path:
    inside = HERE / name
    return inside if inside.is_dir() else ROOT / name


TEMPLATES = _find("templates")
STATIC = _find("static")
