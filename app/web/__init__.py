"""The web pages' files (found by app/paths.py: top level in a checkout, inside when installed)."""

from app.paths import STATIC, TEMPLATES

__all__ = ["STATIC", "TEMPLATES"]
