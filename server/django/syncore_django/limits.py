"""Per-connection limits: a token-bucket message rate, and JSON nested too deep to parse."""
import json


class RateLimiter:
    """`burst` messages at once, refilled at `per_second`. A message that finds the bucket empty is
    dropped; the drops drain a second bucket of the same size and rate, so a client that keeps
    sending at more than twice the rate is cut off rather than answered forever."""

    def __init__(self, per_second, burst=None, now=0.0):
        self.per_second = per_second
        self.burst = max(1, burst or per_second)
        self.tokens = self.tolerance = self.burst
        self.last = now

    def take(self, now):
        refill = max(0.0, now - self.last) * self.per_second
        self.last = now
        self.tokens = min(self.burst, self.tokens + refill)
        self.tolerance = min(self.burst, self.tolerance + refill)
        if self.tokens >= 1:
            self.tokens -= 1
            return True, 0, False
        retry_ms = max(1, int(((1 - self.tokens) * 1000) // self.per_second) + 1)
        self.tolerance -= 1
        return False, retry_ms, self.tolerance < 0


def cut_deeper_than(text, depth):
    """The JSON text with every object or array nested deeper than `depth` replaced by 0: what
    Python's recursive parser cannot take becomes a value that is still over any limit below
    `depth`, so the mutation carrying it is refused (validation) and the others go through."""
    out = []
    level = 0
    skip_from = None
    in_string = False
    i = 0
    n = len(text)
    start = 0
    while i < n:
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            level += 1
            if level == depth + 1 and skip_from is None:
                out.append(text[start:i])
                out.append("0")
                skip_from = i
        elif ch in "}]":
            if level == depth + 1 and skip_from is not None:
                skip_from = None
                start = i + 1
            level -= 1
        i += 1
    if skip_from is None:
        out.append(text[start:])
    return "".join(out)


def parse(text, max_depth):
    """json.loads that survives any nesting: (message, was_cut)."""
    try:
        return json.loads(text), False
    except RecursionError:
        return json.loads(cut_deeper_than(text, max_depth)), True
