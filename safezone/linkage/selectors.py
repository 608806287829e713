"""Reads of linkage: the steward's review queue and one pair side by side. Through `access`, audited."""

from dataclasses import dataclass

from safezone.access.policy import Action, Purpose
from safezone.access.selectors import person_filter
from safezone.access.services import authorize, record_list_read
from safezone.people.models import Identifier, Person

from .models import CandidatePair, LinkageRun, Merge
from .services import reached_as

QUALITY = Purpose.DATA_QUALITY


def pairs_for_review(user, *, status: str = CandidatePair.Status.PENDING):
    """Pairs with this status whose two records the user may both review, likeliest first
    (a pair with a record sealed against the user is not shown)."""
    reachable = Person.objects.filter(person_filter(user, Action.REVIEW_LINKAGE, QUALITY)).values("pk")
    return (
        CandidatePair.objects.filter(status=status, left__in=reachable, right__in=reachable)
        .select_related("left", "right", "left__district", "right__district")
        .order_by("-probability", "pk")
    )


def pairs_page_record(user, pairs, request=None) -> None:
    """Record the persons a page of the queue showed (one audit event)."""
    ids = [pid for pair in pairs for pid in (pair.left_id, pair.right_id)]
    record_list_read(
        user=user, action=Action.REVIEW_LINKAGE, purpose=QUALITY, object_type="person", ids=ids, request=request
    )


@dataclass
class Side:
    """One record of a pair as the steward sees it: names, birth date, sex, district, documents
    (never contacts, case content or narrative)."""

    person: Person
    other_names: list
    identifiers: list
    cases: int


def pair_for(user, pk: int, request=None) -> tuple[CandidatePair, Side, Side]:
    """One pair side by side, each record decided and audited (AccessDenied when either is out of reach)."""
    pair = CandidatePair.objects.select_related("left__district", "right__district").get(pk=pk)
    sides = []
    for person in (pair.left, pair.right):
        authorize(user=user, action=Action.REVIEW_LINKAGE, purpose=QUALITY, obj=reached_as(person), request=request)
        sides.append(
            Side(
                person=person,
                other_names=list(person.other_names.all()),
                identifiers=list(Identifier.objects.filter(person=person)),
                cases=person.participations.count(),
            )
        )
    return pair, sides[0], sides[1]


def merges_of(person: Person):
    """The live merges into this person (for the unmerge button)."""
    return Merge.objects.filter(kept=person, undone_at__isnull=True).select_related("merged")


def runs_for(user, request=None):
    """Batch linkage runs, newest first, for a user who may run linkage (decided and audited;
    a run holds counts only)."""
    authorize(user=user, action=Action.RUN_LINKAGE, purpose=QUALITY, request=request)
    return LinkageRun.objects.select_related("started_by").order_by("-created_at", "-pk")


def run_for(user, pk: int, request=None) -> LinkageRun:
    """One run, for its progress page (decided and audited)."""
    authorize(user=user, action=Action.RUN_LINKAGE, purpose=QUALITY, request=request, extra={"run": pk})
    return LinkageRun.objects.select_related("started_by").get(pk=pk)
