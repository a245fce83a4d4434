import os
import tempfile

import pytest

# A file database (not :memory:): the consumer's queries run in worker threads.
os.environ.setdefault("SYNCORE_SQLITE_TEST", os.path.join(tempfile.mkdtemp(prefix="syncore-pytest-"), "test.sqlite3"))


@pytest.fixture
def school(db):
    """Seed 000's people: two departments of one institution, a supervisor of each, an
    institution admin, a system admin, a student user; tokens for each."""
    from django.contrib.auth import get_user_model
    from gradebook.models import Department, Institution, Profile
    from syncore_django.models import AccessToken

    User = get_user_model()
    inst = Institution.objects.create(name="EduLink U")
    maths = Department.objects.create(name="Maths", institution=inst)
    physics = Department.objects.create(name="Physics", institution=inst)
    people = {}
    for name, kind, dept in [
        ("sup_maths", Profile.SUPERVISOR, maths),
        ("sup_physics", Profile.SUPERVISOR, physics),
        ("inst_admin", Profile.INSTITUTION_ADMIN, None),
        ("sys_admin", Profile.SYSTEM_ADMIN, None),
        ("ada", Profile.STUDENT, None),
    ]:
        user = User.objects.create(username=name)
        Profile.objects.create(user=user, user_type=kind, institution=inst, department=dept)
        people[name] = user
    tokens = {name: AccessToken.objects.create(user=user).key for name, user in people.items()}
    return type("School", (), {"inst": inst, "maths": maths, "physics": physics, "users": people, "tokens": tokens})


def reader_for(user, client_id="c1"):
    from syncore_django.auth import user_groups
    from syncore_django.store import Reader
    from syncore_django.subscriptions import Subscriptions

    return Reader(user=user, groups=user_groups(user), client_id=client_id, subs=Subscriptions())
