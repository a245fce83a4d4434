"""Pushes and catch-up on the app's own models, without sockets (syncore_django.store)."""
import pytest
from conftest import reader_for
from gradebook.models import Grade, Student
from syncore_django.models import Change, EntityVersion, IdempotencyAnswer
from syncore_django.store import apply_mutation, catch_up

TS = {"wall": 1_700_000_000_000, "counter": 0, "node": "c1"}


def create(key, data, collection="students", id="tmp-1"):
    return {"key": key, "collection": collection, "id": id, "kind": "create", "data": {"id": id, **data}, "baseVersion": -1, "ts": TS}


def update(key, id, data, base, collection="students"):
    return {"key": key, "collection": collection, "id": id, "kind": "update", "data": data, "baseVersion": base, "ts": TS}


@pytest.mark.django_db(transaction=True)
def test_create_with_a_temporary_id_gets_the_database_id_version_1_and_a_logged_change(school):
    sup = reader_for(school.users["sup_maths"])
    r = apply_mutation(sup, create("c1:1", {"name": "Ada", "department": school.maths.pk, "score": 90}))
    assert r["status"] == "ok" and r["version"] == 1, r
    student = Student.objects.get()
    assert r["id"] == student.pk and r["data"] == {"id": student.pk, "name": "Ada", "department": school.maths.pk, "score": 90, "status": "active"}
    change = Change.objects.get()
    assert (change.op, change.kind, change.origin, change.ts, change.version) == ("upsert", "create", "c1:1", TS, 1)
    assert EntityVersion.objects.get(collection="students").version == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_key_again_is_the_same_answer_and_applied_once(school):
    sup = reader_for(school.users["sup_maths"])
    m = create("c1:1", {"name": "Ada", "department": school.maths.pk})
    first = apply_mutation(sup, m)
    assert apply_mutation(sup, m) == first
    assert Student.objects.count() == 1 and Change.objects.count() == 1
    # Another user asking about the key is refused, and shown nothing.
    other = apply_mutation(reader_for(school.users["sup_physics"]), m)
    assert (other["status"], other["class"]) == ("error", "forbidden")


@pytest.mark.django_db(transaction=True)
def test_update_is_a_merge_patch_on_the_columns_and_a_stale_base_version_conflicts(school):
    sup = reader_for(school.users["sup_maths"])
    sid = apply_mutation(sup, create("c1:1", {"name": "Ada", "department": school.maths.pk, "score": 1}))["id"]
    ok = apply_mutation(sup, update("c1:2", sid, {"score": None, "status": "on leave"}, 1))
    assert ok["status"] == "ok" and ok["version"] == 2 and "score" not in ok["data"] and ok["data"]["status"] == "on leave"
    assert Student.objects.get().score is None
    stale = apply_mutation(sup, update("c1:3", sid, {"name": "Bo"}, 1))
    assert (stale["status"], stale["version"], stale["data"]["name"]) == ("conflict", 2, "Ada")
    assert Student.objects.get().name == "Ada"
    assert not IdempotencyAnswer.objects.filter(key="c1:3").exists(), "a conflict is not stored: a retry is checked afresh"


@pytest.mark.django_db(transaction=True)
def test_refusals_validation_is_stored_forbidden_is_not(school):
    sup = reader_for(school.users["sup_maths"])
    unknown = apply_mutation(sup, create("c1:1", {"name": "Ada", "department": school.maths.pk, "shoe_size": 9}))
    assert (unknown["class"], unknown["message"]) == ("validation", "students has no field shoe_size")
    bad_ts = apply_mutation(sup, {**create("c1:2", {"name": "A", "department": school.maths.pk}), "ts": {"wall": -1, "counter": 0, "node": "x"}})
    assert bad_ts["class"] == "validation"
    other_dept = apply_mutation(sup, create("c1:3", {"name": "Bo", "department": school.physics.pk}))
    assert other_dept["class"] == "forbidden"
    assert set(IdempotencyAnswer.objects.values_list("key", flat=True)) == {"c1:1", "c1:2"}
    assert Student.objects.count() == 0 and Change.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_locked_grade_is_refused_by_the_validate_hook(school):
    student = Student.objects.create(name="Ada", department=school.maths)
    grade = Grade.objects.create(student=student, course="Algebra", value=15, locked=True)
    r = apply_mutation(reader_for(school.users["sup_maths"]), update("c1:1", grade.pk, {"value": 20}, 1, collection="grades"))
    assert (r["class"], r["message"]) == ("validation", f"grade {grade.pk} is locked")


@pytest.mark.django_db(transaction=True)
def test_catch_up_applies_seed_000s_role_based_reads_row_by_row(school):
    ada_user = school.users["ada"]
    maths = Student.objects.create(name="Ada", department=school.maths, user=ada_user)
    physics = Student.objects.create(name="Bo", department=school.physics)

    def seen(name, since=0):
        changes, _, _ = catch_up(reader_for(school.users[name]), since, 100, 1 << 20)
        return {(c["id"], c["op"]) for c in changes if c["collection"] == "students"}

    assert seen("sup_maths") == {(maths.pk, "upsert")}
    assert seen("sup_physics") == {(physics.pk, "upsert")}
    assert seen("inst_admin") == seen("sys_admin") == {(maths.pk, "upsert"), (physics.pk, "upsert")}
    assert seen("ada") == {(maths.pk, "upsert")}
    # Ada moves to physics: from a later cursor the maths supervisor gets a removal, no data.
    cursor = Change.objects.order_by("-cursor").first().cursor
    maths.department = school.physics
    maths.save()
    assert seen("sup_maths", since=cursor) == {(maths.pk, "delete")}
    assert seen("sup_physics", since=cursor) == {(maths.pk, "upsert")}
    assert seen("sup_maths", since=0) == set(), "from cursor 0 nothing of it"


@pytest.mark.django_db(transaction=True)
def test_catch_up_is_chunked_compacted_and_resumable(school):
    students = [Student.objects.create(name=f"s{i}", department=school.maths) for i in range(7)]
    students[0].score = 5
    students[0].save()  # two changes of one entity: only the latest is sent
    reader = reader_for(school.users["sup_maths"])
    got, cursor, chunks = [], 0, 0
    while True:
        changes, cursor, more = catch_up(reader, cursor, 3, 1 << 20)
        got += changes
        chunks += 1
        if not more:
            break
        assert cursor == changes[-1]["cursor"]
    assert chunks == 3 and len(got) == 7
    assert [c["cursor"] for c in got] == sorted(c["cursor"] for c in got)
    assert next(c for c in got if c["id"] == students[0].pk)["version"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_delete_the_reader_could_not_see_comes_as_a_bare_removal_never_with_its_origin(school):
    hidden = Student.objects.create(name="Bo", department=school.physics)
    cursor = Change.objects.order_by("-cursor").first().cursor
    admin = reader_for(school.users["sys_admin"], client_id="adm")
    assert apply_mutation(admin, {"key": "adm:1", "collection": "students", "id": hidden.pk, "kind": "delete", "data": None, "baseVersion": 1})["status"] == "ok"
    changes, _, _ = catch_up(reader_for(school.users["sup_maths"]), cursor, 100, 1 << 20)
    assert changes == [{"op": "delete", "collection": "students", "id": hidden.pk, "version": 2, "origin": None, "cursor": cursor + 1}]
    own, _, _ = catch_up(reader_for(school.users["sup_physics"]), cursor, 100, 1 << 20)
    assert own[0]["origin"] == "adm:1", "a reader of the row sees whose write it was"
    assert catch_up(reader_for(school.users["sup_maths"]), 0, 100, 1 << 20)[0] == []
