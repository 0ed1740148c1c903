"""Languages of the interface: JSON message catalogs, one folder a language, and the choice of
language for a request. Keras names (h, c, stateful, reset_states) stay as Keras spells them.

Catalogs: app/i18n/<lang>/*.json, flat "dotted.key": "text with {placeholders}".
- ui.json     page templates          - js.json      strings the page's scripts show
- errors.json error messages by code  - content.json lessons, claims, presets (not in en/:
  English content lives in content/lessons/*.yaml, content/claims/*.yaml, app/presets.py; see
  `content_source`)
English is written in en/ and the content files; the other languages' JSON is compiled from
the translators' gettext catalogs, locales/<ll>/LC_MESSAGES/messages.po (po.py, make i18n).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LANGS = {"en": "English", "zh-Hans": "简体中文", "fr": "Français", "ja": "日本語"}
DEFAULT = "en"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def catalog(lang: str) -> dict[str, str]:
    """Every key of a language (English content included for `en`)."""
    out: dict[str, str] = {}
    for path in sorted((HERE / lang).glob("*.json")):
        out.update(json.loads(path.read_text(encoding="utf-8")))
    if lang == DEFAULT:
        out.update(content_source())
    return out


def content_source() -> dict[str, str]:
    """The English lessons, claims and presets as catalog keys (what translators translate)."""
    from app.claims import CLAIMS
    from app.lessons import LESSONS
    from app.presets import PRESETS

    out: dict[str, str] = {}
    for lesson in LESSONS:
        key = f"lesson.{lesson.slug}"
        out[f"{key}.title"], out[f"{key}.summary"] = lesson.title, lesson.summary
        for step in lesson.steps:  # keyed by the step's id: a new step shifts nothing
            out[f"{key}.step.{step.id}.text"] = step.text
            if step.try_:
                out[f"{key}.step.{step.id}.try"] = step.try_
    for claim in CLAIMS:
        out[f"claim.{claim.id}.text"] = claim.text
        out[f"claim.{claim.id}.source"] = claim.source
        for variant, template in claim.findings.items():
            out[f"claim.{claim.id}.finding.{variant}"] = template
        if claim.reconcile:
            out[f"claim.{claim.id}.reconcile"] = claim.reconcile
    for name, text in PRESETS.items():
        out[f"preset.{name}"] = text
    return out


def translate(lang: str, key: str, **values: Any) -> str:
    """The text of `key` in `lang` (English if the key is missing: a test keeps none missing)."""
    text = catalog(lang).get(key) or catalog(DEFAULT).get(key)
    if text is None:
        raise KeyError(f"no message {key!r} in the catalogs")
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def negotiate(requested: str | None, accept_language: str | None) -> str:
    """`?lang=` first, then the best Accept-Language match (zh, zh-CN, zh-SG -> zh-Hans)."""
    if requested in LANGS:
        return requested
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, i, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        lang = _match(tag)
        if lang:
            return lang
    return DEFAULT


def _match(tag: str) -> str | None:
    if tag.startswith("zh"):
        # Traditional Chinese readers get Simplified rather than English: the closer script.
        return "zh-Hans"
    base = tag.split("-")[0]
    return base if base in LANGS else None


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def lesson(lang: str, data: dict[str, Any]) -> dict[str, Any]:
    """A lesson's dict (Lesson.to_dict()) with its texts in `lang`."""
    key = f"lesson.{data['slug']}"
    out = {
        **data,
        "title": translate(lang, f"{key}.title"),
        "summary": translate(lang, f"{key}.summary"),
    }
    out["steps"] = [
        {
            **step,
            "text": translate(lang, f"{key}.step.{step['id']}.text"),
            "try": translate(lang, f"{key}.step.{step['id']}.try") if step["try"] else "",
        }
        for step in data["steps"]
    ]
    return out
