"""Fills an empty gradebook from the page's seed, read as JSON on stdin:
{ "students": [{ id, name, class, scores: { assessment: score } }], "assessments": [{ id }] }.
Each row is an ORM write, so it is a logged change like any other. Prints how many it created."""
import json
import sys

from django.core.management.base import BaseCommand
from django.db import transaction

from ...models import DemoScore, DemoStudent


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        if DemoStudent.objects.exists():
            self.stdout.write("0")
            return
        seed = json.load(sys.stdin)
        n = 0
        with transaction.atomic():
            for s in seed["students"]:
                DemoStudent.objects.create(id=s["id"], data={"name": s["name"], "class": s["class"]})
                n += 1
            for s in seed["students"]:
                for a in seed["assessments"]:
                    sid = f"{s['id']}-{a['id']}"
                    data = {"studentId": s["id"], "assessment": a["id"]}
                    if a["id"] in (s.get("scores") or {}):
                        data["score"] = s["scores"][a["id"]]
                    DemoScore.objects.create(id=sid, data=data)
                    n += 1
        self.stdout.write(str(n))
