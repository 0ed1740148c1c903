"""Catalogs: every key in every language, the same placeholders and markup, and the choice of
language for a request."""

from __future__ import annotations

import json
import re

import pytest

from app import i18n

TAG = re.compile(r"</?(\w+)")


def _files(lang: str) -> dict[str, dict[str, str]]:
    return {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((i18n.HERE / lang).glob("*.json"))
    }


def test_english_has_the_catalog_files() -> None:
    assert {"ui.json", "js.json", "errors.json"} <= set(_files("en"))


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGS if lang != i18n.DEFAULT])
def test_every_key_is_translated_with_the_same_placeholders(lang: str) -> None:
    english = i18n.catalog(i18n.DEFAULT)
    theirs = i18n.catalog(lang)
    missing = sorted(set(english) - set(theirs))
    assert missing == [], f"{lang}: {len(missing)} keys missing, e.g. {missing[:5]}"
    extra = sorted(set(theirs) - set(english))
    assert extra == [], f"{lang}: keys English does not have: {extra[:5]}"
    for key, text in english.items():
        assert i18n.placeholders(theirs[key]) == i18n.placeholders(text), (lang, key)
        if key.endswith("_html"):
            assert sorted(TAG.findall(theirs[key])) == sorted(TAG.findall(text)), (lang, key)
        assert theirs[key].strip(), (lang, key)


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGS if lang != i18n.DEFAULT])
def test_catalog_files_match_english_file_by_file(lang: str) -> None:
    english, theirs = _files(i18n.DEFAULT), _files(lang)
    for name, keys in english.items():
        assert set(theirs.get(name, {})) == set(keys), (lang, name)
    assert set(theirs.get("content.json", {})) == set(i18n.content_source()), lang


def test_keras_names_survive_translation() -> None:
    code = re.compile(r"reset_states\(\)|stateful=(?:True|False)|batch_size")
    english = i18n.catalog(i18n.DEFAULT)
    for lang in i18n.LANGS:
        for key, text in english.items():
            for name in code.findall(text):
                assert name in i18n.catalog(lang)[key], (lang, key, name)


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        ("fr", "ja", "fr"),  # the URL wins
        (None, "ja,en;q=0.8", "ja"),
        (None, "de-DE,fr;q=0.9,en;q=0.8", "fr"),
        (None, "zh-CN,zh;q=0.9", "zh-Hans"),
        (None, "zh-TW", "zh-Hans"),
        (None, "en;q=0.5,fr-CA;q=0.9", "fr"),
        (None, "de", "en"),
        (None, None, "en"),
        ("xx", "q=;;,", "en"),
    ],
)
def test_negotiate(query: str | None, header: str | None, expected: str) -> None:
    assert i18n.negotiate(query, header) == expected


def test_translate_fills_placeholders() -> None:
    key = next(k for k, v in i18n.catalog("en").items() if i18n.placeholders(v))
    values = {name: 12345 for name in i18n.placeholders(i18n.catalog("en")[key])}
    for lang in i18n.LANGS:
        assert "12345" in i18n.translate(lang, key, **values)
    with pytest.raises(KeyError):
        i18n.translate("fr", "no.such.key")
