"""The demo gradebook page (demo/, `npm run demo:django`) against Django: its collections
`students` and `scores` (demo_gradebook) instead of the EduLink gradebook's, and its users: no
token is the teacher (reads and writes), the token "viewer" reads only."""
from .settings import *  # noqa: F401,F403
from .settings import INSTALLED_APPS

INSTALLED_APPS = [a for a in INSTALLED_APPS if a not in ("gradebook", "conformance")] + ["demo_gradebook"]
SYNCORE_USER_GROUPS = None
SYNCORE_AUTHENTICATE = "demo_gradebook.auth.authenticate"
