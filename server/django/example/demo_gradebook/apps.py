from django.apps import AppConfig


class DemoGradebookConfig(AppConfig):
    name = "demo_gradebook"

    def ready(self):
        from . import sync  # noqa: F401
