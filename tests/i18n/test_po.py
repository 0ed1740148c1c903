"""The gettext catalogs (locales/) are the translators' source; the JSON catalogs the app reads
are compiled from them. Both are committed: these tests keep the two, and the English, in step."""

from __future__ import annotations

import copy

import pytest
from babel.messages.catalog import Catalog

from app.i18n import DEFAULT, HERE, LANGS, po

OTHERS = [lang for lang in LANGS if lang != DEFAULT]


def test_the_template_holds_the_english_of_today() -> None:
    # fails when an English text changed and `make i18n` was not run
    assert po.TEMPLATE.read_text(encoding="utf-8") == po._dump(po.template())


@pytest.mark.parametrize("lang", OTHERS)
def test_each_catalog_is_merged_with_the_template(lang: str) -> None:
    text = po.po_path(lang).read_text(encoding="utf-8")
    assert po._dump(po.updated(lang, po.template())) == text
    assert "#, fuzzy" not in text and "python-brace-format, fuzzy" not in text


@pytest.mark.parametrize("lang", OTHERS)
def test_the_json_catalogs_are_compiled_from_the_po_files(lang: str) -> None:
    files = po.compiled(lang, po._read(po.po_path(lang), lang))
    assert set(files) == {p.name for p in (HERE / lang).glob("*.json")}
    for name, text in files.items():
        assert (HERE / lang / name).read_text(encoding="utf-8") == text, name


def _with_english(source: Catalog, key: str, english: str) -> Catalog:
    changed = copy.deepcopy(source)
    old = next(m for m in changed if m.context == key)
    changed.delete(old.id, context=key)
    changed.add(english, context=key, flags=old.flags)
    return changed


def test_a_changed_english_text_makes_its_translation_fuzzy_and_untranslated() -> None:
    key = "js.main.connection_lost"
    source = po.template()
    before = next(m for m in source if m.context == key)
    merged = po.updated("fr", _with_english(source, key, before.id + " Reload the page."))
    msg = next(m for m in merged if m.context == key)
    # the old translation is kept for the translator, beside the old English, marked fuzzy
    assert msg.fuzzy and msg.string and msg.previous_id == [before.id]
    # ...and is not compiled: the page says the English until it is translated again
    assert key not in po.translations(merged)
    assert key in po.translations(po.updated("fr", source))


def test_a_new_key_arrives_untranslated_and_a_removed_one_leaves() -> None:
    source = po.template()
    gone = next(m for m in source if m.context == "js.main.idle")
    source.delete(gone.id, context=gone.context)
    source.add("A new sentence.", context="js.main.brand_new")
    merged = po.updated("ja", source)
    keys = po.translations(merged)
    assert "js.main.brand_new" not in keys and "js.main.idle" not in keys
    new = next(m for m in merged if m.context == "js.main.brand_new")
    assert not new.string and not merged.obsolete
