"""manage.py api_token issue|list|revoke: the keys integrations call the API with."""

import getpass

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from safezone.accounts.models import ApiToken, User
from safezone.accounts.services import api_token_issue, api_token_revoke


def _operator() -> str:
    """Who ran the command, for the audit log (the system account's name)."""
    try:
        return f"manage.py ({getpass.getuser()})"
    except (KeyError, OSError):
        return "manage.py"


class Command(BaseCommand):
    help = (
        "Issue, list or revoke API keys. A key acts as its user (roles, scope, purposes); only its "
        "SHA-256 is stored, so it is printed once, when issued."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        issue = sub.add_parser("issue", help="issue a key for a user and print it (once)")
        issue.add_argument("username")
        issue.add_argument("--name", required=True, help="which system or script will hold the key")
        issue.add_argument("--days", type=int, default=None, help="valid for this many days (default 90)")
        listing = sub.add_parser("list", help="list keys (never the keys themselves)")
        listing.add_argument("--user", help="only this user's keys")
        listing.add_argument("--all", action="store_true", help="also expired and revoked keys")
        revoke = sub.add_parser("revoke", help="revoke a key by its number (from list)")
        revoke.add_argument("id", type=int)

    def handle(self, *args, **options):
        return getattr(self, f"_{options['what']}")(options)

    def _issue(self, options):
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        try:
            token, key = api_token_issue(user=user, name=options["name"], days=options["days"], issued_by=_operator())
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stderr.write(
            f"key #{token.pk} for {user.username}, valid until {timezone.localtime(token.expires_at):%Y-%m-%d %H:%M}; "
            "it is shown only now: send it as 'Authorization: Token <key>'"
        )
        self.stdout.write(key)

    def _list(self, options):
        rows = ApiToken.objects.select_related("user")
        if options["user"]:
            rows = rows.filter(user__username=options["user"])
        if not options["all"]:
            rows = rows.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
        self.stdout.write(f"{'#':>5}  {'user':<20} {'name':<30} {'starts':<9} {'expires':<16} {'last used':<16} state")
        for t in rows:
            state = "revoked" if t.revoked_at else ("expired" if t.expires_at <= timezone.now() else "live")
            used = f"{timezone.localtime(t.last_used_at):%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            expires = f"{timezone.localtime(t.expires_at):%Y-%m-%d %H:%M}"
            self.stdout.write(
                f"{t.pk:>5}  {t.user.username:<20} {t.name[:30]:<30} {t.prefix:<9} {expires:<16} {used:<16} {state}"
            )

    def _revoke(self, options):
        token = ApiToken.objects.filter(pk=options["id"]).first()
        if token is None:
            raise CommandError(f"no key #{options['id']}")
        if api_token_revoke(token=token, revoked_by=_operator()):
            self.stdout.write(f"key #{token.pk} ({token.name}) revoked")
        else:
            self.stdout.write(f"key #{token.pk} was revoked already")
