"""The registry: which Django models are syncore collections, and how an entity (a JSON object)
maps to a model instance and back.

    register(Student, collection="students", fields=["name", "department", "score"],
             read=lambda student: [f"department_{student.department_id}", "role_SYSTEM_ADMIN"],
             write=lambda user, op, student, data: user_may_edit(user, student))

- fields: model fields sent and accepted (a foreign key travels as its id under the field's
  name). Or `document="data"`: a JSONField holding the whole entity (schemaless collections).
- read(instance) -> the groups (names) whose members may read this row; users join groups at
  hello (settings.SYNCORE_USER_GROUPS). Catch-up and fan-out both filter by it, and a reader that
  could see a row and no longer can gets a removal. Default: every authenticated user.
- write(user, op, instance, data) -> bool: op "create" | "update" | "delete"; instance is the
  current row (None for a create), data the pushed data (the merge patch of an update).
- validate(user, op, instance, entity) -> a message to refuse the write for good, or None.
"""
import json
import uuid

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

EVERYONE = "everyone"


class RegistryError(Exception):
    pass


def _json_value(value):
    """A model value as JSON (dates as ISO text, decimals as text), as Django serializes them."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


class Collection:
    def __init__(self, model, collection=None, fields=None, document=None, read=None, write=None, validate=None):
        if (fields is None) == (document is None):
            raise RegistryError("register() needs fields=[...] or document='<JSONField>' (one of them)")
        self.model = model
        self.name = collection or model._meta.db_table
        self.document = document
        self.read = read
        self.write = write
        self.validate = validate
        self.pk = model._meta.pk
        self.auto_pk = isinstance(self.pk, (models.AutoField, models.BigAutoField, models.SmallAutoField))
        self.fields = {}
        for name in fields or []:
            field = model._meta.get_field(name)
            if field.primary_key:
                continue
            self.fields[name] = field

    # ---- ids ----

    def to_pk(self, wire_id):
        """The model's primary key for a wire id (integers travel as numbers or decimal text)."""
        try:
            return self.pk.to_python(wire_id)
        except (ValidationError, TypeError, ValueError):
            raise ValueError(f"id {wire_id!r} is not a valid id of {self.name}")

    def wire_id(self, pk):
        return pk if isinstance(pk, int) else str(pk)

    def new_pk(self):
        """The id the server gives a create with a temporary id (None: the database assigns it)."""
        return None if self.auto_pk else uuid.uuid4().hex

    # ---- instance <-> entity ----

    def entity(self, obj):
        """The entity the clients see: {"id": ..., fields...}; null fields are left out (a merge
        patch removes a field by setting it to null, so null and absent are the same)."""
        if self.document:
            data = dict(getattr(obj, self.document) or {})
        else:
            data = {}
            for name, field in self.fields.items():
                value = getattr(obj, field.attname)
                if value is not None:
                    data[name] = _json_value(value)
        data["id"] = self.wire_id(obj.pk)
        return data

    def unknown_fields(self, entity):
        if self.document:
            return []
        return [k for k in entity if k != "id" and k not in self.fields]

    def assign(self, obj, entity, creating=False):
        """Sets the instance from a whole entity. A field missing from it keeps the model's
        default on a create; on an update it was removed: null, or the default of a field that
        cannot be null."""
        if self.document:
            setattr(obj, self.document, {k: v for k, v in entity.items() if k != "id"})
            return
        for name, field in self.fields.items():
            if name in entity:
                setattr(obj, field.attname, entity[name])
            elif not creating:
                setattr(obj, field.attname, None if field.null else field.get_default())

    def get(self, pk):
        return self.model._default_manager.filter(pk=pk).first()

    def audience(self, obj):
        """The group names that may read this row (read rule), at least one."""
        if self.read is None:
            return [EVERYONE]
        groups = self.read(obj)
        return sorted({str(g) for g in groups or []})

    def may_write(self, user, op, obj, data):
        if self.write is None:
            return True
        return bool(self.write(user, op, obj, data))


class Registry:
    def __init__(self):
        self._by_name = {}
        self._by_model = {}

    def register(self, model, **options):
        c = Collection(model, **options)
        if c.name in self._by_name and self._by_name[c.name].model is not model:
            raise RegistryError(f"collection {c.name} is registered twice")
        self._by_name[c.name] = c
        self._by_model[model] = c
        return c

    def unregister(self, model):
        c = self._by_model.pop(model, None)
        if c:
            self._by_name.pop(c.name, None)

    def get(self, name):
        return self._by_name.get(name)

    def for_model(self, model):
        return self._by_model.get(model)

    def names(self):
        return list(self._by_name)


registry = Registry()
