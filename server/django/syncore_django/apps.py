from django.apps import AppConfig


class SyncoreConfig(AppConfig):
    name = "syncore_django"
    label = "syncore_django"
    verbose_name = "syncore sync"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # post_save / post_delete of every registered model feed the change log (signals.py).
        from . import signals  # noqa: F401
