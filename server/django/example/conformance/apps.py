from django.apps import AppConfig


class ConformanceConfig(AppConfig):
    name = "conformance"

    def ready(self):
        from . import sync  # noqa: F401
