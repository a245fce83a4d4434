"""The consumer over Channels' WebsocketCommunicator (in-memory channel layer): hello and who
may connect, live fan-out with seed 000's groups, per-entity subscriptions, notifications."""
import json

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from gradebook.models import Student
from syncore_django.changelog import notify
from syncore_django.consumer import SyncConsumer

pytestmark = pytest.mark.django_db(transaction=True)


def run_async(test):
    """Runs an async test on an event loop (Debian has no pytest-asyncio in the list we install)."""
    import functools

    from asgiref.sync import async_to_sync

    @functools.wraps(test)
    def run(*args, **kwargs):
        return async_to_sync(test)(*args, **kwargs)

    return run


async def connect(user=None):
    c = WebsocketCommunicator(SyncConsumer.as_asgi(), "/sync")
    if user is not None:
        c.scope["user"] = user
    connected, _ = await c.connect()
    assert connected
    return c


async def recv(c, timeout=2):
    return json.loads(await c.receive_from(timeout))


async def hello(token=None, user=None, client="c1", **fields):
    c = await connect(user)
    await c.send_to(text_data=json.dumps({"type": "hello", "protocol": [1], "clientId": client, "token": token, **fields}))
    return c, await recv(c)


@run_async
async def test_hello_with_a_token_is_welcomed_as_the_django_user_with_the_limits(school):
    c, w = await hello(school.tokens["sup_maths"])
    assert (w["type"], w["userId"], w["protocol"]) == ("welcome", str(school.users["sup_maths"].pk), 1)
    assert w["limits"] == {"maxMessageBytes": 1 << 20, "maxBatchMutations": 1000, "maxEntityBytes": 1 << 20, "maxDepth": 64}
    await c.disconnect()


@run_async
async def test_anonymous_is_refused_as_in_seed_000_and_a_session_user_gets_in_without_a_token(school):
    from django.contrib.auth.models import AnonymousUser

    c, e = await hello(None, user=AnonymousUser())
    assert (e["type"], e["code"]) == ("error", "unauthorized")
    assert (await c.receive_output(2))["code"] == 1008
    s, w = await hello(None, user=school.users["inst_admin"], client="c2")
    assert (w["type"], w["userId"]) == ("welcome", str(school.users["inst_admin"].pk))
    await s.disconnect()


@run_async
async def test_an_expired_token_is_refused(school):
    from datetime import timedelta

    from django.utils import timezone
    from syncore_django.models import AccessToken

    token = await sync_to_async(AccessToken.objects.create)(user=school.users["sup_maths"], expires_at=timezone.now() - timedelta(seconds=1))
    c, e = await hello(token.key)
    assert e["code"] == "unauthorized"


@run_async
async def test_orm_writes_reach_the_readers_of_the_row_only_and_a_move_is_a_removal(school):
    maths, _ = await hello(school.tokens["sup_maths"], client="m")
    physics, _ = await hello(school.tokens["sup_physics"], client="p")
    admin, _ = await hello(school.tokens["inst_admin"], client="a")
    # A write that is not a push (a view, a command, the admin): post_save -> the channel layer.
    student = await sync_to_async(Student.objects.create)(name="Ada", department=school.maths)
    for c in (maths, admin):
        m = await recv(c)
        assert (m["type"], m["id"], m["version"], m["origin"], m["data"]["name"]) == ("entity_created", student.pk, 1, None, "Ada")
    assert await physics.receive_nothing(0.3)
    student.department = school.physics
    await sync_to_async(student.save)()
    gone = await recv(maths)
    assert (gone["type"], gone["id"], gone["version"], "data" in gone) == ("entity_deleted", student.pk, 2, False)
    arrived = await recv(physics)
    assert (arrived["type"], arrived["data"]["department"]) == ("entity_updated", school.physics.pk)
    assert (await recv(admin))["type"] == "entity_updated", "the admin reads both departments: an update, not a removal"
    for c in (maths, physics, admin):
        await c.disconnect()


@run_async
async def test_seed_000_subscribe_by_entity_type_and_entity_id(school):
    a = await sync_to_async(Student.objects.create)(name="A", department=school.maths)
    b = await sync_to_async(Student.objects.create)(name="B", department=school.maths)
    c, _ = await hello(school.tokens["sup_maths"], collections=[])
    await c.send_to(text_data=json.dumps({"type": "subscribe", "entity_type": "students", "entity_id": a.pk}))
    a.score, b.score = 1, 1
    await sync_to_async(b.save)()
    await sync_to_async(a.save)()
    m = await recv(c)
    assert (m["id"], m["version"]) == (a.pk, 2), "only the subscribed entity"
    assert await c.receive_nothing(0.3)
    await c.disconnect()


@run_async
async def test_a_push_is_answered_and_echoed_with_its_origin_and_a_notification_reaches_the_group(school):
    c, _ = await hello(school.tokens["sup_maths"])
    m = {"key": "c1:1", "collection": "students", "id": "tmp-1", "kind": "create", "data": {"name": "Ada", "department": school.maths.pk}, "baseVersion": -1}
    await c.send_to(text_data=json.dumps({"type": "push", "batch": 3, "mutations": [m]}))
    got = [await recv(c), await recv(c)]
    result = next(x for x in got if x["type"] == "push_result")
    echo = next(x for x in got if x["type"] == "entity_created")
    assert (result["batch"], result["results"][0]["status"]) == (3, "ok")
    assert (echo["origin"], echo["id"]) == ("c1:1", result["results"][0]["id"])
    await sync_to_async(notify)({"title": "Grades published"}, groups=[f"department_{school.maths.pk}", "everyone"])
    n = await recv(c)
    assert (n["type"], n["title"]) == ("notification", "Grades published")
    assert await c.receive_nothing(0.3), "one notification, though the user is in both groups"
    await c.disconnect()


@run_async
async def test_auth_with_narrower_rights_removes_what_the_user_can_no_longer_read(school):
    from gradebook.models import Profile

    ada = await sync_to_async(Student.objects.create)(name="Ada", department=school.maths)
    c, _ = await hello(school.tokens["sup_maths"])
    # The supervisor moves to physics; the app gives them a new token (here: the same one re-read).
    await sync_to_async(Profile.objects.filter(user=school.users["sup_maths"]).update)(department=school.physics)
    await c.send_to(text_data=json.dumps({"type": "auth", "token": school.tokens["sup_maths"]}))
    assert (await recv(c))["type"] == "welcome"
    removal = await recv(c)
    assert removal == {"type": "entity_deleted", "collection": "students", "id": ada.pk, "version": 1, "origin": None}
    await c.disconnect()


@run_async
async def test_a_token_that_expires_on_an_open_connection_pauses_pushes_with_class_auth(school):
    import asyncio
    from datetime import timedelta

    from django.utils import timezone
    from syncore_django.models import AccessToken

    token = await sync_to_async(AccessToken.objects.create)(user=school.users["sup_maths"], expires_at=timezone.now() + timedelta(seconds=1))
    c, w = await hello(token.key)
    assert w["type"] == "welcome"
    await asyncio.sleep(1.2)
    m = {"key": "c1:1", "collection": "students", "id": "tmp-1", "kind": "create", "data": {"name": "Ada", "department": school.maths.pk}, "baseVersion": -1}
    await c.send_to(text_data=json.dumps({"type": "push", "batch": 1, "mutations": [m]}))
    r = (await recv(c))["results"][0]
    assert (r["status"], r["class"]) == ("error", "auth")
    await c.send_to(text_data=json.dumps({"type": "sync_request", "cursor": 0}))
    assert (await recv(c))["code"] == "unauthorized"
    assert (await c.receive_output(2))["code"] == 1008
    assert await sync_to_async(Student.objects.count)() == 0


@run_async
async def test_changes_published_out_of_order_by_two_processes_reach_the_client_in_cursor_order_once(school, monkeypatch):
    from channels.layers import get_channel_layer
    from syncore_django import changelog

    c, _ = await hello(school.tokens["sup_maths"])
    held = []
    monkeypatch.setattr(changelog, "fan_out", held.append)  # as if two processes had not sent yet
    first = await sync_to_async(Student.objects.create)(name="First", department=school.maths)
    second = await sync_to_async(Student.objects.create)(name="Second", department=school.maths)
    layer = get_channel_layer()
    group = changelog.channel_group(f"department_{school.maths.pk}")
    await layer.group_send(group, held[1])  # the later change arrives first
    got = [await recv(c), await recv(c)]
    await layer.group_send(group, held[0])
    await layer.group_send(changelog.channel_group("role_system_admin"), held[1])  # and once more, through another group
    assert [(m["id"], m["cursor"]) for m in got] == [(first.pk, held[0]["change"]["cursor"]), (second.pk, held[1]["change"]["cursor"])]
    assert await c.receive_nothing(0.3), "each change once"
    await c.disconnect()
