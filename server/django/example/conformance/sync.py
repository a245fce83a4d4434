"""The contract: conf_items readable by all and writable by all but the reader; conf_secret the
writer's alone; conf_private rows readable by the user named in data.owner (a user id)."""
from functools import lru_cache

from django.contrib.auth import get_user_model

from syncore_django import register

from .models import ConfItem, ConfPrivate, ConfSecret

WRITER, OTHER, READER = "conf-writer", "conf-other", "conf-reader"


@lru_cache(maxsize=None)
def _writer_pk():
    return get_user_model().objects.filter(username=WRITER).values_list("pk", flat=True).first()


def not_reader(user, op, obj, data):
    return user.username != READER


register(ConfItem, collection="conf_items", document="data", write=not_reader)
register(
    ConfSecret,
    collection="conf_secret",
    document="data",
    read=lambda obj: [f"user_{_writer_pk()}"],
    write=lambda user, op, obj, data: user.username == WRITER,
)
register(ConfPrivate, collection="conf_private", document="data", read=lambda obj: [f"user_{obj.data.get('owner')}"], write=not_reader)
