"""Writes made anywhere through the ORM feed the change log, and are fanned out only after their
transaction commits (transaction.on_commit): a rolled-back write is never seen."""
import pytest
from django.db import transaction
from gradebook.models import Student
from syncore_django import changelog
from syncore_django.models import Change


@pytest.fixture
def sent(monkeypatch):
    events = []
    monkeypatch.setattr(changelog, "fan_out", events.append)
    return events


@pytest.mark.django_db(transaction=True)
def test_fan_out_waits_for_the_commit_and_a_rollback_sends_nothing(school, sent):
    with transaction.atomic():
        s = Student.objects.create(name="Ada", department=school.maths)
        assert Change.objects.count() == 1
        assert sent == [], "nothing leaves before the commit"
    assert [e["change"]["id"] for e in sent] == [s.pk]
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            Student.objects.create(name="Ghost", department=school.maths)
            raise RuntimeError("rolled back")
    assert len(sent) == 1 and Change.objects.count() == 1, "the rolled-back write left no change and sent nothing"


@pytest.mark.django_db(transaction=True)
def test_an_admin_edit_is_a_change_with_no_origin(school, sent, client):
    from django.contrib.auth import get_user_model

    s = Student.objects.create(name="Ada", department=school.maths)
    root = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(root)
    r = client.post(f"/admin/gradebook/student/{s.pk}/change/", {"name": "Ada L.", "department": school.maths.pk, "score": "77", "status": "active"})
    assert r.status_code == 302, r.content[:500]
    last = Change.objects.order_by("-cursor").first()
    assert (last.kind, last.version, last.origin, last.data["name"], last.data["score"]) == ("update", 2, None, "Ada L.", 77)
    assert sent[-1]["change"]["data"]["name"] == "Ada L."
    client.post(f"/admin/gradebook/student/{s.pk}/delete/", {"post": "yes"})
    assert Change.objects.order_by("-cursor").first().op == "delete"


@pytest.mark.django_db(transaction=True)
def test_a_management_command_write_is_logged(school, sent):
    from django.core.management import call_command

    call_command("shell", command=f"from gradebook.models import Student; Student.objects.filter(department_id={school.maths.pk}).count(); Student.objects.create(name='Cmd', department_id={school.maths.pk})")
    assert Change.objects.get().data["name"] == "Cmd"
    assert len(sent) == 1
