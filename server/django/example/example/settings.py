"""The example project: an EduLink-like gradebook (seed 000) served over syncore, and the
conformance suite's contract collections. Configured from the environment:

SYNCORE_DATABASE_URL  postgres://user@host:port/name   (else SQLite at SYNCORE_SQLITE, default ./db.sqlite3)
SYNCORE_REDIS_URL     redis://127.0.0.1:6379/0         (else the in-memory channel layer: one process)
SYNCORE_HELLO_TIMEOUT_MS, SYNCORE_MAX_CONNECTIONS_PER_ADDRESS, SYNCORE_MAX_MESSAGES_PER_SECOND
"""
import os
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "syncore-example-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "syncore_django",
    "gradebook",
    "conformance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "example.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
ASGI_APPLICATION = "example.asgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "/static/"
USE_TZ = True


def _database():
    url = os.environ.get("SYNCORE_DATABASE_URL")
    if url:
        u = urlparse(url)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": u.path.lstrip("/"),
            "USER": u.username or "postgres",
            "PASSWORD": u.password or "",
            "HOST": u.hostname or "127.0.0.1",
            "PORT": str(u.port or 5432),
        }
    # timeout: a writer waits for the other's lock instead of failing at once (two processes).
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SYNCORE_SQLITE", str(BASE_DIR / "db.sqlite3")),
        "OPTIONS": {"timeout": 30},
        "TEST": {"NAME": os.environ.get("SYNCORE_SQLITE_TEST")},
    }


DATABASES = {"default": _database()}

if os.environ.get("SYNCORE_REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [os.environ["SYNCORE_REDIS_URL"]], "capacity": 10_000},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 10_000}}}

# syncore: seed 000's groups (gradebook/groups.py); limits from the environment (conformance runs).
SYNCORE_USER_GROUPS = "gradebook.groups.user_groups"
for _name in ("HELLO_TIMEOUT_MS", "MAX_CONNECTIONS_PER_ADDRESS", "MAX_MESSAGES_PER_SECOND", "MAX_MESSAGE_BYTES"):
    if os.environ.get(f"SYNCORE_{_name}"):
        globals()[f"SYNCORE_{_name}"] = int(os.environ[f"SYNCORE_{_name}"])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"syncore_django": {"handlers": ["console"], "level": "ERROR"}},
}
