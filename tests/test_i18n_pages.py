"""The pages in every language: <html lang>, translated texts, no English left over, and the
lessons/claims API with ?lang=."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import get_args

import pytest
from fastapi.testclient import TestClient

from app import i18n
from app.api.lessons import Lang
from app.claims import CLAIMS
from app.lessons import LESSONS
from app.main import create_app
from app.settings import Settings

PAGES = ["/", "/lessons", f"/lessons/{LESSONS[0].slug}", "/claims", "/experiment"]
OTHERS = [lang for lang in i18n.LANGS if lang != i18n.DEFAULT]
# A few keys each page must show in the page's language.
SHOWN = {
    "/": ["index.lanes", "index.cell_inspector", "controls.batch_size", "controls.run_on_keras"],
    "/lessons": ["lessons.intro", "base.lessons", "lessons.step_count"],
    f"/lessons/{LESSONS[0].slug}": ["index.previous", "index.next", "controls.scenario"],
    "/claims": ["claims.heading", "claims.run", "claims.program", "claims.not_run"],
    "/experiment": ["experiment.heading", "experiment.cancel", "experiment.gen_run"],
}
TAGS = re.compile(r"<[^>]+>")
SCRIPTS = re.compile(r"<script\b.*?</script>", re.S)
ATTRS = re.compile(r'\b(?:title|aria-label|placeholder)="([^"]*)"')


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(warm_up=False))) as c:
        yield c


def _ui() -> dict[str, str]:
    path = i18n.HERE / i18n.DEFAULT / "ui.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _plain(text: str) -> str:
    """What a reader sees of a page or a catalog text: no tags, entities decoded, spaces folded."""
    return " ".join(html.unescape(TAGS.sub(" ", text)).split())


def _visible(page: str) -> str:
    """The page's text and its title/aria-label/placeholder attributes (scripts' data left out)."""
    page = SCRIPTS.sub(" ", page)
    return _plain(page) + "\n" + "\n".join(html.unescape(a) for a in ATTRS.findall(page))


def _has_content(lang: str) -> bool:
    return (i18n.HERE / lang / "content.json").exists()


@pytest.mark.parametrize("lang", list(i18n.LANGS))
@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("how", ["query", "header"])
def test_page_in_every_language(client: TestClient, path: str, lang: str, how: str) -> None:
    if how == "query":
        r = client.get(path, params={"lang": lang}, headers={"Accept-Language": "de"})
    else:
        r = client.get(path, headers={"Accept-Language": f"{lang},en;q=0.5"})
    assert r.status_code == 200
    assert f'<html lang="{lang}">' in r.text
    assert r.headers["content-language"] == lang
    seen = _visible(r.text)
    for key in SHOWN[path]:
        want = _plain(i18n.translate(lang, key, n=len(LESSONS[0].steps)))
        assert want in seen, (lang, path, key)
    if lang == i18n.DEFAULT:
        return
    theirs = i18n.catalog(lang)
    leftover = [
        (key, english)
        for key, english in _ui().items()
        if len(_plain(english)) > 12
        and _plain(english) not in _plain(theirs[key])  # kept whole, e.g. "seed 000 (…)"
        and _plain(english) in seen
    ]
    assert leftover == [], (lang, path, leftover[:5])


def test_english_pages_keep_their_texts(client: TestClient) -> None:
    """The English wording the browser tests and the screenshots rely on."""
    page = _plain(client.get("/").text)
    assert "Each row of a batch is its own sequence with its own state." in page
    assert "▶ Play ◀ Step Step ▶ Batch ▶▶" in page
    assert "State of row" in page  # the two selects sit between the words
    lessons = _plain(client.get("/lessons").text)
    assert f"— {LESSONS[0].summary} ({len(LESSONS[0].steps)} steps)" in lessons
    one = next(lesson for lesson in LESSONS if len(lesson.steps) == 1)
    assert f"— {one.summary} (1 step)" in lessons
    claims = _plain(client.get("/claims").text)
    assert "(answers, blog posts, the users' own notes). Press Run it on Keras" in claims


def test_selects_keep_their_ids_in_every_language(client: TestClient) -> None:
    for lang in i18n.LANGS:
        page = client.get("/", params={"lang": lang}).text
        label = html.escape(i18n.translate(lang, "index.layer"))
        assert f'<select id="sel-layer" aria-label="{label}"></select>' in page
        assert '<select id="sel-row"' in page
        assert '<option value="drop">' in page and '<option value="stateful">' in page


def test_lesson_and_claim_texts_come_from_the_catalogs(client: TestClient) -> None:
    lesson = LESSONS[0]
    for lang in i18n.LANGS:
        listing = _visible(client.get("/lessons", params={"lang": lang}).text)
        assert _plain(i18n.translate(lang, f"lesson.{lesson.slug}.title")) in listing
        claims = _visible(client.get("/claims", params={"lang": lang}).text)
        assert _plain(i18n.translate(lang, f"claim.{CLAIMS[0].id}.text")) in claims


def test_lang_codes_of_the_api_are_the_interface_languages() -> None:
    assert set(get_args(Lang)) == set(i18n.LANGS)


@pytest.mark.parametrize("lang", list(i18n.LANGS))
def test_lessons_api_in_a_language(client: TestClient, lang: str) -> None:
    listed = client.get("/api/lessons", params={"lang": lang}).json()
    assert [item["slug"] for item in listed] == [lesson.slug for lesson in LESSONS]
    for item, lesson in zip(listed, LESSONS, strict=True):
        assert item["title"] == i18n.translate(lang, f"lesson.{lesson.slug}.title")
        assert item["summary"] == i18n.translate(lang, f"lesson.{lesson.slug}.summary")
        assert item["steps"] == len(lesson.steps)
    one = client.get(f"/api/lessons/{LESSONS[0].slug}", params={"lang": lang}).json()
    assert one["steps"][0]["text"] == i18n.translate(
        lang, f"lesson.{LESSONS[0].slug}.step.{LESSONS[0].steps[0].id}.text"
    )
    assert one["steps"][0]["params"] == LESSONS[0].steps[0].params
    claims = client.get("/api/claims", params={"lang": lang}).json()
    assert claims[0]["text"] == i18n.translate(lang, f"claim.{claims[0]['id']}.text")


def test_api_default_is_english(client: TestClient) -> None:
    listed = client.get("/api/lessons", headers={"Accept-Language": "fr"}).json()
    assert listed[0]["title"] == LESSONS[0].title


@pytest.mark.parametrize("lang", OTHERS)
def test_api_content_is_translated(client: TestClient, lang: str) -> None:
    if not _has_content(lang):
        pytest.skip(f"app/i18n/{lang}/content.json not written yet")
    listed = client.get("/api/lessons", params={"lang": lang}).json()
    assert listed[0]["title"] != LESSONS[0].title
    claims = client.get("/api/claims", params={"lang": lang}).json()
    english = client.get("/api/claims").json()
    assert claims[0]["text"] != english[0]["text"]


@pytest.mark.parametrize(
    "url", ["/api/lessons", f"/api/lessons/{LESSONS[0].slug}", "/api/claims"], ids=str
)
def test_unknown_lang_is_422_naming_the_field(client: TestClient, url: str) -> None:
    r = client.get(url, params={"lang": "xx"})
    assert r.status_code == 422
    detail = r.json()["detail"][0]
    assert detail["loc"] == ["query", "lang"]
    assert "fr" in detail["msg"]
