"""syncore on Django Channels: the sync protocol of docs/protocol.md served from your own models.

    # myapp/sync.py (imported from AppConfig.ready)
    from syncore_django import register
    register(Student, collection="students", fields=["name", "score"],
             read=lambda student: [f"department_{student.department_id}"],
             write=lambda user, op, student, data: user.is_staff)

See README.md.
"""
def register(model, **options):
    """Maps a Django model to a syncore collection (see registry.Collection)."""
    from .registry import registry

    return registry.register(model, **options)
