"""manage.py demo_logins: print the demo accounts and their shared password."""

from django.conf import settings
from django.core.management.base import BaseCommand

from safezone.accounts.selectors import demo_users
from safezone.demo.region import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Print the demo accounts (username, role, agency) and the demo password."

    def handle(self, *args, **options):
        users = list(demo_users())
        if not users:
            self.stdout.write("No demo accounts: run `manage.py seed_demo` first.")
            return
        self.stdout.write("")
        self.stdout.write("SafeZone demo: open http://127.0.0.1:8000 and sign in as one of these")
        self.stdout.write(f"(every demo account has the password: {DEMO_PASSWORD})")
        self.stdout.write("")
        self.stdout.write(f"  {'username':<26} {'role':<26} agency")
        for user in users:
            for m in user.memberships.all():
                self.stdout.write(f"  {user.username:<26} {m.role:<26} {m.agency.short_name_en or m.agency.name_en}")
        self.stdout.write("")
        self.stdout.write(f"Password for every account above: {DEMO_PASSWORD}")
        if not settings.SAFEZONE_DEMO:
            self.stdout.write("")
            self.stdout.write(
                self.style.WARNING("SAFEZONE_DEMO is off: demo accounts cannot sign in (make run turns it on).")
            )
