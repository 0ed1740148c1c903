"""The translators' catalogs: one gettext .po file per language (Babel), compiled to the JSON
catalogs the app reads (app/i18n/<lang>/*.json). Not imported by the app at run time.

A message's msgctxt is its key (`js.main.badge`), its msgid the English text, its msgstr the
translation. English is the source: en/*.json for the interface, the content files for lessons,
claims and presets (`content_source`). Any .po editor (Poedit, Weblate, Lokalize) works on them.

  python -m app.i18n.po extract   English -> locales/messages.pot
  python -m app.i18n.po update    messages.pot -> locales/<ll>/LC_MESSAGES/messages.po: a new
                                  key is added untranslated; a changed English text keeps its
                                  old translation, marked fuzzy, with the old English beside it
  python -m app.i18n.po compile   each .po -> app/i18n/<lang>/*.json (fuzzy = untranslated)
"""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from app.i18n import DEFAULT, HERE, LANGS, content_source

ROOT = HERE.parents[1]
LOCALES = ROOT / "locales"
TEMPLATE = LOCALES / "messages.pot"
FILES = ("ui", "js", "errors")  # en/<file>.json; the rest of the keys go to content.json
# fixed header dates: the files change only when a message does
DATE = datetime(2026, 1, 1, tzinfo=UTC)


def locale_dir(lang: str) -> str:
    return lang.replace("-", "_")  # gettext's spelling: zh_Hans


def po_path(lang: str) -> Path:
    return LOCALES / locale_dir(lang) / "LC_MESSAGES" / "messages.po"


def _english() -> dict[str, tuple[str, str]]:
    """key -> (English text, the file translators find it in), in catalog order."""
    out: dict[str, tuple[str, str]] = {}
    for name in FILES:
        path = HERE / DEFAULT / f"{name}.json"
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            out[key] = (text, f"app/i18n/en/{name}.json")
    for key, text in content_source().items():
        out[key] = (text, "content")
    return out


HEADER = """\
# LSTM State Lab: the interface, lessons, claims and presets.
# msgctxt is the key, msgid the English text: translate msgstr only, keep {placeholders} and
# Keras's names (h, c, stateful, reset_states) as they are. See docs/translating.md."""


def _new(locale: str | None) -> Catalog:
    return Catalog(
        locale=locale,
        header_comment=HEADER,
        project="LSTM State Lab",
        version="1",
        copyright_holder="LSTM State Lab",
        msgid_bugs_address="the project's issues",
        creation_date=DATE,
        revision_date=DATE,
        last_translator="LSTM State Lab translators",
        language_team="LSTM State Lab translators",
        fuzzy=False,
    )


def template() -> Catalog:
    cat = _new(None)
    for key, (text, where) in _english().items():
        flags = ["python-brace-format"] if "{" in text else []
        cat.add(text, context=key, auto_comments=[where], flags=flags)
    return cat


def _dump(cat: Catalog) -> str:
    buf = io.BytesIO()
    write_po(buf, cat, width=100, sort_output=False, include_previous=True)
    return buf.getvalue().decode("utf-8")


def _read(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale_dir(lang) if lang else None, abort_invalid=True)


def updated(lang: str, source: Catalog) -> Catalog:
    """`lang`'s catalog merged with `source` (Babel's msgmerge)."""
    cat = _read(po_path(lang), lang)
    cat.update(source, update_header_comment=True)
    cat.obsolete.clear()  # a removed key's translation is not kept in the file
    cat.revision_date = DATE
    return cat


def translations(cat: Catalog) -> dict[str, str]:
    """key -> translation, for the messages translated and not fuzzy."""
    return {
        m.context: str(m.string) for m in cat if m.id and m.context and m.string and not m.fuzzy
    }


def compiled(lang: str, cat: Catalog) -> dict[str, str]:
    """The JSON catalog files of `lang` (file name -> text) from its .po catalog."""
    done = translations(cat)
    english = _english()
    files: dict[str, dict[str, str]] = {name: {} for name in (*FILES, "content")}
    for key, (_, where) in english.items():
        if key in done:
            name = where.rsplit("/", 1)[-1].removesuffix(".json") if where != "content" else where
            files[name][key] = done[key]
    # the layout of the files as they were written by hand: content one space, the rest two
    return {
        f"{name}.json": json.dumps(keys, ensure_ascii=False, indent=1 if name == "content" else 2)
        + "\n"
        for name, keys in files.items()
    }


def _other_langs() -> list[str]:
    return [lang for lang in LANGS if lang != DEFAULT]


def main(argv: list[str]) -> None:
    what = argv[0] if argv else ""
    if what == "extract":
        TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
        TEMPLATE.write_text(_dump(template()), encoding="utf-8")
    elif what == "update":
        source = _read(TEMPLATE)
        for lang in _other_langs():
            po_path(lang).write_text(_dump(updated(lang, source)), encoding="utf-8")
    elif what == "compile":
        for lang in _other_langs():
            for name, text in compiled(lang, _read(po_path(lang), lang)).items():
                (HERE / lang / name).write_text(text, encoding="utf-8")
    else:
        sys.exit("usage: python -m app.i18n.po extract|update|compile")


if __name__ == "__main__":
    main(sys.argv[1:])
