"""What a mutation is on the wire: its shape, the JSON merge patch an update applies, and what
no client could apply (docs/protocol.md, Writes: ts shape, depth, well-formed text, entity size)."""
import json

MUTATION_KINDS = ("create", "update", "delete")
MAX_COUNTER = 2**32 - 1


def is_object(v):
    return isinstance(v, dict)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def merge_patch(target, patch):
    """RFC 7396: objects merge recursively, null removes a member, anything else replaces."""
    if not is_object(patch):
        return patch
    result = dict(target) if is_object(target) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


def valid_id(v):
    return (isinstance(v, str) and 0 < len(v) <= 256) or (is_int(v) and abs(v) <= 2**53 - 1)


def is_temporary(v):
    return v is None or (isinstance(v, str) and v.startswith("tmp-"))


def shape_error(m):
    """Why a pushed mutation is malformed, or None (the key is checked by the consumer)."""
    if not is_object(m):
        return "a mutation must be an object"
    c = m.get("collection")
    if not isinstance(c, str) or not 0 < len(c) <= 200:
        return "collection must be a non-empty string"
    kind = m.get("kind")
    if kind not in MUTATION_KINDS:
        return 'kind must be "create", "update" or "delete"'
    if (kind != "create" or m.get("id") is not None) and not valid_id(m.get("id")):
        return "id must be a non-empty string or an integer"
    if kind == "create" and not is_object(m.get("data")):
        return "a create carries the whole entity as an object in data"
    if kind == "update" and not is_object(m.get("data")):
        return "an update carries a JSON merge patch object in data"
    if kind != "create" and not is_int(m.get("baseVersion")):
        return "baseVersion must be an integer"
    return None


def timestamp_error(ts):
    if ts is None:
        return None
    if not is_object(ts):
        return "ts must be an object { wall, counter, node }"
    if set(ts) != {"wall", "counter", "node"}:
        return "ts must have exactly the fields wall, counter and node"
    if not is_int(ts["wall"]) or ts["wall"] < 0 or ts["wall"] > 2**53 - 1:
        return "ts.wall must be a non-negative integer (ms)"
    if not is_int(ts["counter"]) or not 0 <= ts["counter"] <= MAX_COUNTER:
        return f"ts.counter must be an integer in 0..{MAX_COUNTER}"
    if not isinstance(ts["node"], str) or len(ts["node"]) > 256:
        return "ts.node must be a string (at most 256 characters)"
    return None


def deeper_than(value, limit):
    """Does value nest deeper than `limit` levels ({} and [] count one)? Iterative."""
    stack = [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict):
            children = v.values()
        elif isinstance(v, list):
            children = v
        else:
            continue
        if d + 1 > limit:
            return True
        stack.extend((c, d + 1) for c in children)
    return False


def _well_formed(s):
    try:
        s.encode("utf-8")
        return True
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" parses, has no UTF-8 form)
        return False


def malformed_text_at(value, path=""):
    stack = [(value, path)]
    while stack:
        v, at = stack.pop()
        if isinstance(v, str):
            if not _well_formed(v):
                return at or "(value)"
        elif isinstance(v, list):
            stack.extend((c, f"{at}[{i}]") for i, c in enumerate(v))
        elif isinstance(v, dict):
            for k, c in v.items():
                if not _well_formed(k):
                    return f"{at}.<key>"
                stack.append((c, f"{at}.{k}"))
    return None


def json_bytes(value):
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass"))


def limit_error(m, current_entity, max_depth, max_entity_bytes):
    """Why the server must not store mutation m (of a valid shape), or None."""
    err = timestamp_error(m.get("ts"))
    if err:
        return err
    for field in ("collection", "id", "key", "data", "ts"):
        at = malformed_text_at(m.get(field), field)
        if at:
            return f"{at} is not well-formed text (a lone surrogate)"
    if m.get("data") is not None and deeper_than(m["data"], max_depth):
        return f"data nests deeper than {max_depth} levels"
    if m["kind"] == "delete":
        return None
    entity = merge_patch(current_entity, m["data"]) if m["kind"] == "update" and current_entity is not None else m["data"]
    size = json_bytes(entity)
    if size > max_entity_bytes:
        return f"the entity would be {size} bytes, over the limit of {max_entity_bytes}"
    return None
