"""`make run`'s set-up: the demo superuser (password generated, printed once), sandbox integrations."""

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from integrations.services.audit import SYSTEM
from integrations.services.sandbox import ensure_sandbox_integrations


class Command(BaseCommand):
    help = "Create the demo superuser (password printed once) and one sandbox integration per vendor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--sim-host", default="127.0.0.1")
        parser.add_argument("--sim-port-base", type=int, default=8701)

    def handle(self, *args: Any, **options: Any) -> None:
        created = ensure_sandbox_integrations(options["sim_host"], options["sim_port_base"], SYSTEM)
        if created:
            self.stdout.write(f"Sandbox integrations created: {', '.join(created)}")
        User = get_user_model()
        username = options["username"]
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Demo superuser {username!r} exists (its password was printed when it was created; "
                f"reset it with `python manage.py changepassword {username}`)."
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        bar = "=" * 64
        self.stdout.write(
            f"{bar}\nDemo superuser created — shown this once:\n"
            f"  user:     {username}\n  password: {password}\n{bar}"
        )
