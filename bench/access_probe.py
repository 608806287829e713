"""Measures the case list with and without the access policy, inside Django, on a seeded database.

Run by bench/run.py (`access` benchmark) with DATABASE_URL pointing at a demo database; prints
one JSON object. For each demo user below, the list query as the page runs it (cases.selectors.
case_pages: the first page of 25 with its headline persons, and the count capped at
SAFEZONE_LIST_COUNT_CAP): with the whole policy (deciding the reach: districts, case teams,
break-glass, seals; then the disjoint parts), with the bare scope filter, and with no filter at
all (every case), the three in turn in each round; and the whole list page through Django's test
client (sign-in checks, rendering and the audit event included). The user's memberships are read
before each timed call, as every signed-in request has read them before the list runs.
"""

import json
import operator
import os
import statistics
import sys
import time
from functools import reduce

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safezone.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.test import Client  # noqa: E402

from safezone.access.policy import Action, Purpose  # noqa: E402
from safezone.access.selectors import CaseReach, case_filter, case_reach, grants_for  # noqa: E402
from safezone.accounts.models import User  # noqa: E402
from safezone.accounts.selectors import memberships_of  # noqa: E402
from safezone.cases.models import Case  # noqa: E402
from safezone.cases.selectors import case_pages  # noqa: E402

# (username, purpose): one user per scope.
USERS = [
    ("crisis.worker1", Purpose.CASE_WORK),  # own cases
    ("crisis.teamlead", Purpose.CASE_WORK),  # the unit's cases
    ("social.supervisor", Purpose.CASE_WORK),  # the agency's cases (two roles)
    ("police1", Purpose.CASE_WORK),  # the agency's cases, many team grants from referrals
    ("kdn.vologda", Purpose.COORDINATION),  # a district
    ("coordinator", Purpose.COORDINATION),  # the whole region
]
SAMPLES = int(os.environ.get("BENCH_SAMPLES", "100"))


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def _figures(runs: list[float]) -> dict:
    return {"p50": round(statistics.median(runs), 1), "p95": round(percentile(runs, 95), 1)}


def timed(fn, samples=SAMPLES):
    """p50 and p95 of `fn` in ms, after 3 warm-up calls."""
    return timed_together({"fn": fn}, samples)["fn"]


def timed_together(fns: dict, samples=SAMPLES, setup=None) -> dict:
    """p50 and p95 in ms of each function, called in turn within every round (so that the
    machine's slower and faster moments fall on all of them alike), each round starting with the
    next function (so that none is always the first after the setup); `setup` (untimed) runs
    before each call."""
    runs = {name: [] for name in fns}
    order = list(fns.items())
    for round_ in range(3 + samples):  # 3 rounds warm the caches, as a working system has them
        shift = round_ % len(order)
        for name, fn in order[shift:] + order[:shift]:
            if setup:
                setup()
            started = time.perf_counter()
            fn()
            if round_ >= 3:
                runs[name].append((time.perf_counter() - started) * 1000)
    return {name: _figures(values) for name, values in runs.items()}


def list_query(reach: CaseReach) -> tuple[list, int]:
    """What the list page asks the database (cases.selectors.case_pages, the page's own code): the
    first page of 25 with its headline persons, and the count capped as the page caps it."""
    paginator = case_pages(reach, Case.objects.all())
    return list(paginator.page(1)), paginator.count


def measure(user, purpose) -> dict:
    """One user's list: with the policy, with the bare scope, and the whole page."""

    def new_request():
        # Every signed-in request has loaded the user's memberships before the list runs (the
        # second-factor middleware asks what the roles reach); what the list's policy reads
        # besides (districts, case teams, break-glass, seals) is read afresh.
        user.__dict__.pop("_active_memberships", None)
        memberships_of(user)

    def with_policy():
        return list_query(case_reach(user, Action.LIST_CASES, purpose))

    def scope_only():
        q = reduce(operator.or_, [grant.case_q() for grant in grants_for(user, Action.LIST_CASES, purpose)])
        return list_query(CaseReach(parts=[q], sealed=[]))

    def no_filter():
        return list_query(CaseReach(parts=[Q()], sealed=[]))

    client = Client(SERVER_NAME="localhost")  # an allowed host outside the test runner
    client.force_login(user)

    def page():
        response = client.get(f"/cases/?purpose={purpose}")
        assert response.status_code == 200, response.status_code

    lists = timed_together(
        {"with_policy": with_policy, "scope_only": scope_only, "no_filter": no_filter}, setup=new_request
    )
    return {
        "user": user.username,
        "visible": Case.objects.filter(case_filter(user, Action.LIST_CASES, purpose)).count(),
        **lists,
        "page": timed(page, samples=max(10, SAMPLES // 2)),
    }


def main():
    settings.DEBUG = False
    results = {"cases": Case.objects.count(), "users": []}
    for username, purpose in USERS:
        results["users"].append(measure(User.objects.get(username=username), purpose))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
