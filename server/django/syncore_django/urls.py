from django.urls import path

from .rest import collection_view, entity_view

urlpatterns = [
    path("<str:collection>/", collection_view, name="syncore-collection"),
    path("<str:collection>/<str:entity_id>/", entity_view, name="syncore-entity"),
]
