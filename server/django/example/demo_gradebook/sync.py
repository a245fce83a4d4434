"""demo/server/gradebook.js's validateGradebook, on the Django side."""
import math
import os

from syncore_django import register

from .models import DemoScore, DemoStudent

ASSESSMENTS = set(filter(None, os.environ.get("SYNCORE_DEMO_ASSESSMENTS", "").split(",")))


def teacher_only(user, op, obj, data):
    return user.username == "teacher"


def valid_score(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 100


def validate_score(user, op, obj, data):
    if op == "delete":
        return "scores are cleared, not deleted"
    if op == "create" and ASSESSMENTS and data.get("assessment") not in ASSESSMENTS:
        return f"unknown assessment {data.get('assessment')}"
    if data.get("score") is not None and not valid_score(data["score"]):
        return f"a score is a number from 0 to 100, not {data['score']!r}"
    return None


def validate_student(user, op, obj, data):
    if op != "delete" and "name" in data and (not isinstance(data["name"], str) or not data["name"].strip()):
        return "a student needs a name"
    return None


register(DemoStudent, collection="students", document="data", write=teacher_only, validate=validate_student)
register(DemoScore, collection="scores", document="data", write=teacher_only, validate=validate_score)
