"""What a connection asked to receive: whole collections (hello `collections`, `subscribe`) and
single entities (`subscribe` with `collection` + `ids`, or seed 000's `entity_type` +
`entity_id`), and `unsubscribe` of either; at most `limit` names per connection."""

MAX_NAME = 200


def _valid_name(c):
    return isinstance(c, str) and 0 < len(c) <= MAX_NAME


def _valid_id(i):
    return (isinstance(i, str) and 0 < len(i) <= 256) or (isinstance(i, int) and not isinstance(i, bool))


class SubscriptionError(Exception):
    def __init__(self, code, message, limit=None):
        super().__init__(message)
        self.code, self.message, self.limit = code, message, limit


class Subscriptions:
    def __init__(self, collections=None):
        self.collections = None if collections is None else set(collections)  # None: all readable
        self.excluded = set()
        self.entities = {}  # collection -> set of ids as text

    def size(self):
        return len(self.collections or ()) + len(self.excluded) + sum(len(s) for s in self.entities.values())

    def wants_collection(self, c):
        return c not in self.excluded if self.collections is None else c in self.collections

    def wants_entity(self, c, entity_id):
        return self.wants_collection(c) or str(entity_id) in self.entities.get(c, ())

    def wants_any_of(self, c):
        return self.wants_collection(c) or bool(self.entities.get(c))

    @staticmethod
    def check_hello(collections, limit):
        if collections is None:
            return
        if not isinstance(collections, list) or not all(map(_valid_name, collections)):
            raise SubscriptionError("bad_message", "collections must be a list of names")
        if len(collections) > limit:
            raise SubscriptionError("too_large", f"at most {limit} subscriptions per connection", limit)

    @staticmethod
    def _parse(msg, verb):
        collection = msg.get("collection", msg.get("entity_type"))
        ids = msg.get("ids")
        if ids is None and "entity_id" in msg:
            ids = [msg["entity_id"]]
        collections = msg.get("collections")
        if collections is None and ids is None:
            raise SubscriptionError("bad_message", f"{verb} needs collections (a list of names) or collection + ids")
        if collections is not None and not (isinstance(collections, list) and all(map(_valid_name, collections))):
            raise SubscriptionError("bad_message", f"{verb}: collections must be a list of names")
        if ids is not None and not (_valid_name(collection) and isinstance(ids, list) and all(map(_valid_id, ids))):
            raise SubscriptionError("bad_message", f"{verb}: ids must be a list of entity ids, with collection a name")
        return collections or [], collection, ids or []

    def subscribe(self, msg, limit):
        collections, collection, ids = self._parse(msg, "subscribe")
        if self.size() + len(collections) + len(ids) > limit:
            raise SubscriptionError("too_large", f"at most {limit} subscriptions per connection", limit)
        for c in collections:
            if self.collections is None:
                self.excluded.discard(c)
            else:
                self.collections.add(c)
        if ids:
            self.entities.setdefault(collection, set()).update(str(i) for i in ids)

    def unsubscribe(self, msg, limit):
        collections, collection, ids = self._parse(msg, "unsubscribe")
        for c in collections:
            if self.collections is not None:
                self.collections.discard(c)
            elif self.size() < limit:
                self.excluded.add(c)
            else:
                raise SubscriptionError("too_large", f"at most {limit} subscriptions per connection", limit)
            self.entities.pop(c, None)
        if collection in self.entities:
            self.entities[collection].difference_update(str(i) for i in ids)
            if not self.entities[collection]:
                del self.entities[collection]
