from django.apps import AppConfig


class GradebookConfig(AppConfig):
    name = "gradebook"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import sync  # noqa: F401  (registers the collections)
