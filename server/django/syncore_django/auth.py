"""Who says hello: a token (this app's AccessToken, or Django REST framework's authtoken Token when
that app is installed) or, without a token, the session user Channels' AuthMiddlewareStack put in
the scope. Anonymous users are refused, as seed 000's consumer refuses them."""
from django.apps import apps
from django.utils import timezone

from . import conf
from .registry import EVERYONE


def authenticate(token, scope=None):
    """-> (user, expires_at as epoch seconds or None), or None (unauthorized)."""
    from .models import AccessToken

    if isinstance(token, str) and token:
        t = AccessToken.objects.select_related("user").filter(key=token).first()
        if t is not None:
            if t.expires_at is not None and t.expires_at <= timezone.now():
                return None
            if not t.user.is_active:
                return None
            return t.user, (t.expires_at.timestamp() if t.expires_at else None)
        if apps.is_installed("rest_framework.authtoken"):
            from rest_framework.authtoken.models import Token

            drf = Token.objects.select_related("user").filter(key=token).first()
            if drf is not None and drf.user.is_active:
                return drf.user, None
        return None
    if token is None and scope is not None:
        user = scope.get("user")
        if user is not None and getattr(user, "is_authenticated", False) and user.is_active:
            return user, None
    return None


def default_groups(user):
    return [f"user_{user.pk}"]


def user_groups(user):
    """The group names this user reads through (settings.SYNCORE_USER_GROUPS), plus "everyone"."""
    hook = conf.hook("USER_GROUPS") or default_groups
    return frozenset([EVERYONE, *map(str, hook(user))])


def authenticate_request(request):
    """For the REST views: `Authorization: Token <key>` / `Bearer <key>`, else the session."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    parts = header.split()
    if len(parts) == 2 and parts[0].lower() in ("token", "bearer"):
        return conf.hook("AUTHENTICATE")(parts[1], None)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_active:
        return user, None
    return None
