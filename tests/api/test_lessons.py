from __future__ import annotations

from fastapi.testclient import TestClient


def test_lessons_listed_in_order(client: TestClient) -> None:
    from app.lessons import LESSONS

    listed = client.get("/api/lessons").json()
    assert [item["slug"] for item in listed] == [lesson.slug for lesson in LESSONS]
    one = client.get(f"/api/lessons/{listed[0]['slug']}").json()
    assert one["steps"][0]["text"] and "try" in one["steps"][0]
    assert client.get("/api/lessons/nope").status_code == 404
    assert client.get("/lessons/nope").status_code == 404
    assert client.get("/lessons").text.count('class="lesson-link"') == len(LESSONS)


def test_a_lesson_has_every_step_in_the_asked_language(client: TestClient) -> None:
    from app import i18n
    from app.lessons import LESSONS

    listed = client.get("/api/lessons", params={"lang": "fr"}).json()
    assert [item["steps"] for item in listed] == [len(lesson.steps) for lesson in LESSONS]
    first = LESSONS[0]
    assert listed[0]["title"] == i18n.translate("fr", f"lesson.{first.slug}.title")
    one = client.get(f"/api/lessons/{first.slug}", params={"lang": "fr"}).json()
    assert len(one["steps"]) == len(first.steps)


def test_an_unknown_language_is_422_naming_lang(client: TestClient) -> None:
    r = client.get("/api/lessons", params={"lang": "xx"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lang"
