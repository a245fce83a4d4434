"""Settings (all optional), read when used so tests can override them:

SYNCORE_USER_GROUPS        dotted path: user -> the group names the user reads through
                           [user_<pk> only; "everyone" is always added]
SYNCORE_AUTHENTICATE       dotted path: (token, scope) -> user or None [syncore_django.auth.authenticate]
SYNCORE_MAX_MESSAGE_BYTES  [1048576]   SYNCORE_MAX_BATCH [1000]   SYNCORE_MAX_DEPTH [64]
SYNCORE_MAX_ENTITY_BYTES   [max message bytes]   SYNCORE_MAX_SUBSCRIPTIONS [1000]
SYNCORE_MAX_MESSAGES_PER_SECOND [200]   SYNCORE_HELLO_TIMEOUT_MS [5000]
SYNCORE_MAX_HELLO_BYTES    [65536]   SYNCORE_MAX_FRAMES_BEFORE_HELLO [4]
SYNCORE_MAX_CONNECTIONS_PER_ADDRESS [256] (per process)
SYNCORE_DEFAULT_SYNC_LIMIT [500]   SYNCORE_MAX_SYNC_LIMIT [5000]
"""
from django.conf import settings
from django.utils.module_loading import import_string

DEFAULTS = {
    "MAX_MESSAGE_BYTES": 1 << 20,
    "MAX_BATCH": 1000,
    "MAX_DEPTH": 64,
    "MAX_ENTITY_BYTES": None,
    "MAX_SUBSCRIPTIONS": 1000,
    "MAX_MESSAGES_PER_SECOND": 200,
    "HELLO_TIMEOUT_MS": 5_000,
    "MAX_HELLO_BYTES": 64 * 1024,
    "MAX_FRAMES_BEFORE_HELLO": 4,
    "MAX_CONNECTIONS_PER_ADDRESS": 256,
    "DEFAULT_SYNC_LIMIT": 500,
    "MAX_SYNC_LIMIT": 5000,
    "USER_GROUPS": None,
    "AUTHENTICATE": "syncore_django.auth.authenticate",
}


def get(name):
    value = getattr(settings, f"SYNCORE_{name}", DEFAULTS[name])
    if name == "MAX_ENTITY_BYTES" and value is None:
        return get("MAX_MESSAGE_BYTES")
    return value


def hook(name):
    path = get(name)
    return import_string(path) if isinstance(path, str) else path
