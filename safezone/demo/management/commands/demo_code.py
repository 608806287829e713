"""manage.py demo_code USERNAME: the current authenticator code of a demo account (demo only)."""

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand, CommandError

from safezone.accounts.selectors import demo_totp_secret_of, demo_users


class Command(BaseCommand):
    help = "Print the current six-digit authenticator code of a demo account (refused for any real account)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        user = demo_users().filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"{options['username']!r} is not a demo account")
        secret = demo_totp_secret_of(user)
        now = int(time.time())
        code = format_hotp_value(hotp_value(secret, now // 30))
        self.stdout.write(f"{code}  (valid for {30 - now % 30} more seconds)")
