"""REST views: /api/<collection>/<id>/ with Idempotency-Key (exactly-once) and If-Match."""
import json

import pytest
from gradebook.models import Student
from syncore_django.models import Change

pytestmark = pytest.mark.django_db(transaction=True)


def call(client, method, url, token, body=None, **headers):
    extra = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    extra.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    return getattr(client, method)(url, data=json.dumps(body) if body is not None else None, content_type="application/json", **extra)


def test_seed_000s_offline_queue_retrying_a_post_creates_once(school, client):
    tok = school.tokens["sup_maths"]
    body = {"name": "Ada", "department": school.maths.pk}
    first = call(client, "post", "/api/students/", tok, body, **{"Idempotency-Key": "offline_1"})
    again = call(client, "post", "/api/students/", tok, body, **{"Idempotency-Key": "offline_1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and Student.objects.count() == 1
    assert first["ETag"] == '"1"'


def test_put_is_the_full_object_and_if_match_checks_the_version(school, client):
    tok = school.tokens["sup_maths"]
    s = Student.objects.create(name="Ada", department=school.maths, score=5)
    url = f"/api/students/{s.pk}/"
    put = call(client, "put", url, tok, {"name": "Ada L.", "department": school.maths.pk}, **{"If-Match": '"1"'})
    assert put.status_code == 200 and put["ETag"] == '"2"'
    assert "score" not in put.json(), "PUT replaces: the field it left out is cleared"
    stale = call(client, "patch", url, tok, {"score": 9}, **{"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["version"] == 2 and stale.json()["current"]["name"] == "Ada L."
    patch = call(client, "patch", url, tok, {"score": 9})
    assert patch.status_code == 200 and patch.json()["score"] == 9
    assert call(client, "get", url, tok).json()["score"] == 9
    gone = call(client, "delete", url, tok, **{"If-Match": '"3"'})
    assert gone.status_code == 200 and gone.json() == {"id": s.pk, "version": 4}
    assert call(client, "get", url, tok).status_code == 404
    assert [c.kind for c in Change.objects.order_by("cursor")] == ["create", "update", "update", "delete"]


def test_no_token_is_401_another_department_is_403_and_unreadable_rows_are_404(school, client):
    s = Student.objects.create(name="Ada", department=school.maths)
    url = f"/api/students/{s.pk}/"
    assert call(client, "get", url, None).status_code == 401
    assert call(client, "patch", url, school.tokens["sup_physics"], {"score": 1}).status_code == 403
    assert call(client, "get", url, school.tokens["sup_physics"]).status_code == 404


def test_put_of_a_missing_id_creates_merge_patch_content_type_and_changes_by_cursor(school, client):
    tok = school.tokens["sup_maths"]
    created = call(client, "put", "/api/students/77/", tok, {"name": "Cy", "department": school.maths.pk})
    assert created.status_code == 201 and created.json()["id"] == 77 and created["Location"].endswith("/api/students/77/")
    merged = client.put("/api/students/77/", data=json.dumps({"score": 3}), content_type="application/merge-patch+json", HTTP_AUTHORIZATION=f"Token {tok}")
    assert merged.status_code == 200 and merged.json()["name"] == "Cy" and merged.json()["score"] == 3
    listed = call(client, "get", "/api/students/?cursor=0&limit=10", tok).json()
    assert [(c["id"], c["version"]) for c in listed["changes"]] == [(77, 2)] and listed["more"] is False
    assert call(client, "get", "/api/students/?cursor=0", school.tokens["sup_physics"]).json()["changes"] == []
    missing = call(client, "patch", "/api/students/999/", tok, {"score": 1, "department": school.maths.pk})
    assert missing.status_code == 409 and missing.json()["version"] == 0


def test_a_client_id_key_is_bound_to_its_user_over_rest_too(school, client):
    body = {"name": "Ada", "department": school.maths.pk}
    assert call(client, "post", "/api/students/", school.tokens["sup_maths"], body, **{"Idempotency-Key": "tab-1:1"}).status_code == 201
    stolen = call(client, "post", "/api/students/", school.tokens["inst_admin"], body, **{"Idempotency-Key": "tab-1:2"})
    assert stolen.status_code == 403
    assert Student.objects.count() == 1
