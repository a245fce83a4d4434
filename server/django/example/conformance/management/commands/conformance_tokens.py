"""Creates the contract's users and prints their tokens as JSON (SYNC_TOKENS for the suite):
writer, other, reader, and an expired token of the writer."""
import json
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from syncore_django.models import AccessToken

from ...sync import OTHER, READER, WRITER


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        User = get_user_model()
        tokens = {}
        for role, name in (("writer", WRITER), ("other", OTHER), ("reader", READER)):
            user, _ = User.objects.get_or_create(username=name)
            tokens[role] = AccessToken.objects.create(user=user).key
        writer = User.objects.get(username=WRITER)
        tokens["expired"] = AccessToken.objects.create(user=writer, expires_at=timezone.now() - timedelta(seconds=1)).key
        self.stdout.write(json.dumps(tokens))
