from django.db.models.signals import post_delete, post_save

from .changelog import on_delete, on_save

post_save.connect(on_save, dispatch_uid="syncore_django.on_save")
post_delete.connect(on_delete, dispatch_uid="syncore_django.on_delete")
