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
    assert stale.status_code == 412 and stale.json()["version"] == 2
    patch = call(client, "patch", url, tok, {"score": 9})
    assert patch.status_code == 200 and patch.json()["score"] == 9
    assert call(client, "get", url, tok).json()["score"] == 9
    assert call(client, "delete", url, tok, **{"If-Match": '"3"'}).status_code == 200
    assert call(client, "get", url, tok).status_code == 404
    assert [c.kind for c in Change.objects.order_by("cursor")] == ["create", "update", "update", "delete"]


def test_no_token_is_401_another_department_is_403_and_unreadable_rows_are_404(school, client):
    s = Student.objects.create(name="Ada", department=school.maths)
    url = f"/api/students/{s.pk}/"
    assert call(client, "get", url, None).status_code == 401
    assert call(client, "patch", url, school.tokens["sup_physics"], {"score": 1}).status_code == 403
    assert call(client, "get", url, school.tokens["sup_physics"]).status_code == 404
