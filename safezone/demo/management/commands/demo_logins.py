"""manage.py demo_logins: print the demo accounts, their shared password and their authenticator secrets."""

from django.conf import settings
from django.core.management.base import BaseCommand

from safezone.accounts.selectors import demo_totp_secret_of, demo_users
from safezone.demo.region import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the demo accounts (username, role, agency), the demo password and each account's TOTP secret."

    def handle(self, *args, **options):
        users = list(demo_users())
        if not users:
            self.stdout.write("No demo accounts: run `manage.py seed_demo` first.")
            return
        self.stdout.write("")
        self.stdout.write("SafeZone demo: open http://127.0.0.1:8000 and sign in as one of these.")
        self.stdout.write(f"Every demo account has the password {DEMO_PASSWORD} and a second factor: add its")
        self.stdout.write("secret to an authenticator app, or print the current code with")
        self.stdout.write("  .venv/bin/python manage.py demo_code USERNAME")
        self.stdout.write("")
        self.stdout.write(f"  {'username':<26} {'role':<20} {'agency':<34} authenticator secret (TOTP)")
        for user in users:
            secret = demo_totp_secret_of(user)
            for m in user.memberships.all():
                agency = m.agency.short_name_en or m.agency.name_en
                self.stdout.write(f"  {user.username:<26} {m.role:<20} {agency[:34]:<34} {secret}")
                secret = ""
        self.stdout.write("")
        self.stdout.write(f"Password for every account above: {DEMO_PASSWORD}")
        if not settings.SAFEZONE_DEMO:
            self.stdout.write("")
            self.stdout.write(
                self.style.WARNING("SAFEZONE_DEMO is off: demo accounts cannot sign in (make run turns it on).")
            )
