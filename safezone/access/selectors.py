"""Questions the policy answers: which records may this user reach, and may they do this to that one."""

import datetime as dt
import hashlib
import operator
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import reduce

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.models import CharField, DateField, DateTimeField, Q, Value
from django.utils import timezone

import safezone.common.lookups  # noqa: F401  (registers the `__any` lookup used below)
from safezone.accounts.models import Membership
from safezone.accounts.selectors import memberships_of

from .models import AccessStamp, BreakGlass, CaseGrant, Seal
from .policy import BREAK_GLASS_ACTIONS, TEEN_AGENCY_KINDS, Action, Purpose, Scope, policy_for, purpose_allows


def all_district_ids() -> list[int]:
    """Ids of every district of the region."""
    from safezone.directory.selectors import districts

    return list(districts().values_list("pk", flat=True))


@dataclass(frozen=True)
class Grant:
    """One membership's permission to take an action for a purpose, with its reach."""

    membership: Membership
    scope: Scope
    purpose: str = ""

    @property
    def rule(self) -> str:
        """How the audit log names this grant, e.g. `caseworker@crisis-vologda:own`."""
        return f"{self.membership.role}@{self.membership.agency.code}:{self.scope.name.lower()}"

    @property
    def fields(self) -> frozenset[str]:
        return policy_for(self.membership.role).fields

    def districts(self) -> list[int]:
        """Ids of the districts the membership's agency serves (cached on the membership)."""
        cached = getattr(self.membership, "_district_ids", None)
        if cached is None:
            cached = list(self.membership.agency.districts_served.values_list("pk", flat=True))
            self.membership._district_ids = cached
        return cached

    @property
    def for_meeting(self) -> bool:
        """For the meeting purpose the reach is the agency's meeting agendas, whatever the role's scope."""
        return self.purpose == Purpose.MEETING

    def case_q(self, prefix: str = "") -> Q:
        """Rows of Case (reached through `prefix`) that this grant's scope covers."""
        m = self.membership
        if self.for_meeting:
            return Q(**{f"{prefix}pk__in": _agenda_items(m.agency_id).values("case_id")})
        if self.scope == Scope.OWN:
            return Q(**{f"{prefix}owner_worker_id": m.user_id, f"{prefix}owner_agency_id": m.agency_id})
        if self.scope == Scope.TEAM:
            if m.unit_id is None:  # a head of unit without a unit heads only their own cases
                return Q(**{f"{prefix}owner_worker_id": m.user_id, f"{prefix}owner_agency_id": m.agency_id})
            return Q(**{f"{prefix}owner_unit_id": m.unit_id})
        if self.scope == Scope.AGENCY:
            return Q(**{f"{prefix}owner_agency_id": m.agency_id})
        if self.scope == Scope.DISTRICT:
            region = getattr(self.membership, "_all_district_ids", None)  # (filled from the cache)
            if set(self.districts()) >= set(region if region is not None else all_district_ids()):
                # Every district of the region: a condition that is always true only slows the query.
                return Q(**{f"{prefix}pk__isnull": False})
            return Q(**{f"{prefix}district_id__in": self.districts()})
        if self.scope == Scope.REGION:
            return Q(**{f"{prefix}pk__isnull": False})
        return Q(pk__in=[])

    def covers_case(self, case) -> bool:
        """Whether this grant's scope reaches one case (no query beyond the districts served)."""
        m = self.membership
        if self.for_meeting:
            return _agenda_items(m.agency_id).filter(case_id=case.pk).exists()
        if self.scope == Scope.OWN or (self.scope == Scope.TEAM and m.unit_id is None):
            return case.owner_worker_id == m.user_id and case.owner_agency_id == m.agency_id
        if self.scope == Scope.TEAM:
            return case.owner_unit_id == m.unit_id
        if self.scope == Scope.AGENCY:
            return case.owner_agency_id == m.agency_id
        if self.scope == Scope.DISTRICT:
            return case.district_id in self.districts()
        return self.scope == Scope.REGION

    def team_q(self) -> Q:
        """CaseGrant rows that put this membership on a case team: its own, or (agency-wide roles)
        any worker's of its agency."""
        m = self.membership
        if self.scope >= Scope.AGENCY:
            return Q(agency_id=m.agency_id)
        return Q(agency_id=m.agency_id, user_id=m.user_id)


@dataclass(frozen=True)
class Decision:
    """An answer of the policy: allowed or not, the rule that decided, and what the user may see."""

    allowed: bool
    rule: str
    membership: Membership | None = None
    fields: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return self.allowed

    def shows(self, group: str) -> bool:
        """Whether this decision lets the user see a sensitive field group."""
        return self.allowed and group in self.fields


def _agenda_items(agency_id: int):
    """Agenda items of the risk meetings this agency chairs or sits on, from the moment a case is put
    on the agenda until SAFEZONE_MEETING_REACH_DAYS after the meeting (cancelled meetings give nothing)."""
    meeting = apps.get_model("meetings", "Meeting")
    since = timezone.now() - dt.timedelta(days=settings.SAFEZONE_MEETING_REACH_DAYS)
    return (
        apps.get_model("meetings", "AgendaItem")
        .objects.filter(Q(meeting__member_agencies=agency_id) | Q(meeting__chair_agency=agency_id))
        .filter(meeting__scheduled_at__gte=since)
        .exclude(meeting__status=meeting.Status.CANCELLED)
    )


def _trained(membership: Membership) -> bool:
    trained_on = membership.dp_training_on
    return trained_on is not None and trained_on <= timezone.localdate()


def _role_grants(user, action: str, purpose: str, *, trained_only: bool = True) -> list[Grant]:
    if not getattr(user, "is_authenticated", False) or not user.is_active or not purpose_allows(purpose, action):
        return []
    grants = []
    for membership in memberships_of(user):
        policy = policy_for(membership.role)
        if action not in policy.actions or purpose not in policy.purposes or policy.scope == Scope.NONE:
            continue
        if trained_only and not _trained(membership):
            continue
        grants.append(Grant(membership, Scope(policy.scope), purpose))
    return grants


def grants_for(user, action: str, purpose: str) -> list[Grant]:
    """The user's trained memberships that allow `action` for `purpose`, each with its scope."""
    return _role_grants(user, action, purpose)


def rules_text(grants: list[Grant]) -> str:
    """The grants that let a list through, as the audit log records them."""
    return "|".join(g.rule for g in grants) or "no-grant"


# Lists of case ids the user reaches or is sealed from are small (a team, a few seals); past
# this size the filter uses a subquery instead of a literal list. A list is looked up on the
# primary key; a subquery lets the planner scan the whole case table (measured: 180 ms at 1M
# cases for 1,400 team cases as a subquery, 19 ms as a list). SQLite takes up to 32,766
# parameters in one statement: the three lists together stay under this many.
_LITERAL_IDS = 10000


def _ids_or_subquery(queryset) -> list | object:
    """Case ids as a list, or as a subquery when there are too many for a literal list."""
    ids = list(queryset.values_list("case_id", flat=True)[: _LITERAL_IDS + 1])
    return queryset.values("case_id") if len(ids) > _LITERAL_IDS else ids


def _nonempty(ids) -> bool:
    return not isinstance(ids, (list, dict)) or bool(ids)


def _seal_targets(user) -> Q:
    """Seal rows aimed at this user: at them, at one of their units, or at one of their agencies."""
    memberships = memberships_of(user)
    return (
        Q(user_id=user.pk)
        | Q(unit_id__in=[m.unit_id for m in memberships if m.unit_id])
        | Q(agency_id__in=[m.agency_id for m in memberships])
    )


def sealed_case_ids(user):
    """Cases sealed against the user (ids, or a subquery when there are many)."""
    return _ids_or_subquery(Seal.objects.filter(_seal_targets(user), lifted_at__isnull=True))


def is_sealed_for(user, case) -> bool:
    return Seal.objects.filter(_seal_targets(user), case=case, lifted_at__isnull=True).exists()


def _team_grants(grants: list[Grant]):
    q = Q(pk__in=[])
    for grant in grants:
        q |= grant.team_q()
    return CaseGrant.objects.filter(q, ended_at__isnull=True)


def _break_glasses(user, action: str):
    if action not in BREAK_GLASS_ACTIONS:
        return BreakGlass.objects.none()
    return BreakGlass.objects.filter(user=user, expires_at__gt=timezone.now())


def _broadest_per_agency(grants: list[Grant]) -> list[Grant]:
    """Drop grants that a wider one in the same agency already covers (own cases inside the agency's),
    so the database gets one condition per agency, not an OR of nested ones."""
    widest: dict[int, Grant] = {}
    others = []
    for grant in grants:
        if grant.scope in (Scope.OWN, Scope.TEAM, Scope.AGENCY):
            current = widest.get(grant.membership.agency_id)
            if current is None or grant.scope > current.scope:
                widest[grant.membership.agency_id] = grant
        else:
            others.append(grant)
    # A head of unit and a caseworker in the same agency reach different cases unless one is agency-wide.
    kept = []
    for grant in grants:
        if grant in others:
            kept.append(grant)
        elif widest[grant.membership.agency_id] is grant or widest[grant.membership.agency_id].scope != Scope.AGENCY:
            kept.append(grant)
    return kept


@dataclass
class CaseReach:
    """The cases a user reaches for an action, as disjoint parts minus the sealed ones.

    Parts: the scope; then case-team cases outside the scope; then break-glass cases outside
    both. Kept apart, each part is one indexed condition the database can count on its own;
    OR-ed together (`q`), the database must visit every row to count them. A part in `bounded`
    names its cases as a list of ids with the sealed ones already taken out: a few thousand at
    most, read whole in one query rather than counted and paged. `keys` has, for each bounded
    part, its cases' keys newest first (DayKeys), read with the team rows themselves: an
    unfiltered list orders them without looking the cases up. `sealed_in_scope`: the sealed ids
    are all cases of the scope (the others could not show anyway), so a list counts the scope's
    reachable cases as its count less their number. `plain`: every part and the exclusion are
    conditions on a case's own columns with values written out (no subquery, nothing that moves
    with the clock), so equal reaches make the same SQL.
    """

    parts: list[Q]
    sealed: object  # case ids (a list, or a subquery when there are many)
    bounded: frozenset[int] = frozenset()
    keys: dict[int, Sequence[tuple]] = field(default_factory=dict)
    sealed_in_scope: bool = False
    plain: bool = False

    def q(self) -> Q:
        """One condition for all reachable cases."""
        if not self.parts:
            return Q(pk__in=[])
        q = self.parts[0]
        for part in self.parts[1:]:
            q |= part
        exclusion = self.exclusion()
        return q & ~exclusion if exclusion is not None else q

    def exclusion(self) -> Q | None:
        """The sealed cases, to take out of every part (None when there are none)."""
        if isinstance(self.sealed, list):
            return Q(pk__any=self.sealed) if self.sealed else None
        return Q(pk__in=self.sealed)


def _widening_and_seals(user, action: str, grants: list[Grant]) -> tuple:
    """Cases from the user's case teams and live break-glass (each {case id: opening date}), and
    the sealed case ids (a list), in one query.

    When the three together are many, each comes back as a subquery of case ids instead.
    """
    text, date, moment = CharField(), DateField(), DateTimeField()
    none_date, none_moment = Value(None, output_field=date), Value(None, output_field=moment)
    # Unordered: a compound statement takes no ORDER BY in its parts (BreakGlass has a default one).
    team = _team_grants(grants).order_by()
    glass = _break_glasses(user, action).order_by()
    seals = Seal.objects.filter(_seal_targets(user), lifted_at__isnull=True).order_by()
    union = team.values_list(Value("team", output_field=text), "case_id", "case_opened_on", none_moment).union(
        glass.values_list(Value("glass", output_field=text), "case_id", "case__opened_on", "expires_at"),
        seals.values_list(Value("seal", output_field=text), "case_id", none_date, none_moment),
        all=True,
    )
    rows = list(union[: _LITERAL_IDS + 1])
    if len(rows) > _LITERAL_IDS:
        return team.values("case_id"), glass.values("case_id"), seals.values("case_id"), None
    found = {"team": {}, "glass": {}, "seal": {}}
    expiries = []
    for kind, case_id, opened_on, expires_at in rows:
        found[kind][case_id] = opened_on
        if expires_at is not None:
            expiries.append(expires_at)
    return found["team"], found["glass"], list(found["seal"]), min(expiries, default=None)


def access_stamp() -> str | None:
    """The access stamp (access.AccessStamp): renewed by the database whenever a case team,
    break-glass, seal or district changes. None (no stamp row): nothing is cached."""
    with connection.cursor() as cursor:  # one small read a list makes: no ORM around it
        cursor.execute(f"SELECT value FROM {AccessStamp._meta.db_table} WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def _cached(key: str, compute, stamp: str | None):
    """compute() -> (value, valid until or None), cached under the access stamp: any write to
    what it is derived from renews the stamp, so a cached value is never used after one."""
    if stamp is None:
        return compute()[0]
    cache = caches[settings.SAFEZONE_ACCESS_CACHE]
    key = f"access:{stamp}:{key}"
    hit = cache.get(key)
    if hit is not None and (hit[1] is None or timezone.now() < hit[1]):
        return hit[0]
    value, until = compute()
    if until is None or until > timezone.now():
        cache.set(key, (value, until), settings.SAFEZONE_ACCESS_CACHE_SECONDS)
    return value


def _stamped_widening_and_seals(user, action: str, grants: list[Grant], stamp: str | None, scope: Q | None) -> tuple:
    """_widening_and_seals, cached under the access stamp (not when they came back as subqueries);
    told apart from the cases of `scope` (over Case) when it is given (see _Named)."""
    # What the queries depend on besides the stamped tables: the user, whether the action can
    # break the glass, the team conditions (agency, and worker below agency scope), the seal
    # targets (the user's units and agencies) and the scope; a live break-glass until it expires.
    memberships = memberships_of(user)
    key = "|".join(
        [
            f"reach:{user.pk}:{int(action in BREAK_GLASS_ACTIONS)}",
            ",".join(sorted(f"{g.membership.agency_id}/{int(g.scope < Scope.AGENCY)}" for g in grants)),
            ",".join(sorted({str(m.unit_id) for m in memberships if m.unit_id})),
            ",".join(sorted({str(m.agency_id) for m in memberships})),
            hashlib.sha256(str(scope).encode()).hexdigest()[:24] if scope is not None else "-",
        ]
    )

    def compute():
        team, glass, sealed, expires = _widening_and_seals(user, action, grants)
        if not isinstance(team, dict):
            return (team, glass, sealed), timezone.now()  # subqueries: not kept
        inside = _within(scope, [*team, *glass, *sealed]) if scope is not None else None
        return _Named.of(team, glass, sealed, inside), expires

    return _cached(key, compute, stamp)


def _within(scope: Q, ids: list[int]) -> set[int]:
    """Which of these cases the scope holds (one query on the primary key)."""
    if not ids:
        return set()
    return set(apps.get_model("cases", "Case").objects.filter(scope, pk__any=ids).values_list("pk", flat=True))


@dataclass(frozen=True)
class _Named:
    """Case-team and break-glass cases, few enough to name: each as ids in list order (newest
    first) with their opening dates as day numbers, the sealed ones and those the scope holds (and,
    for break-glass, the team's) taken out; and the sealed ids, those the scope holds alone when
    it was given (`within_scope`). Arrays of numbers: quick to cache and read back (a cache
    pickles what it keeps; thousands of ids as a list took 0.4 ms to read back, as an array a
    copy of their bytes).

    Telling them apart from the scope is cached like the rest: a case's owner, unit, agency or
    district, which the scope reads, renews the stamp when it changes (access/db.py).
    """

    team: Sequence[int]
    team_days: Sequence[int]
    glass: Sequence[int]
    glass_days: Sequence[int]
    sealed: list[int]  # (a list: CaseReach tells a list of ids from a subquery)
    within_scope: bool = False

    @classmethod
    def of(cls, team: dict, glass: dict, sealed: list, inside: set[int] | None = None) -> "_Named":
        out = set(sealed) | (inside or set())
        team_keys = sorted(((opened.toordinal(), pk) for pk, opened in team.items() if pk not in out), reverse=True)
        out |= set(team)
        glass_keys = sorted(((opened.toordinal(), pk) for pk, opened in glass.items() if pk not in out), reverse=True)
        return cls(
            team=array("q", [pk for _day, pk in team_keys]),
            team_days=array("i", [day for day, _pk in team_keys]),
            glass=array("q", [pk for _day, pk in glass_keys]),
            glass_days=array("i", [day for day, _pk in glass_keys]),
            sealed=sorted(set(sealed) & inside if inside is not None else sealed),
            within_scope=inside is not None,
        )


class DayKeys(Sequence):
    """A named part's keys in list order as a case list's paginator takes them (opening date, id,
    id: the ordering keys, then the row), made on demand from day numbers: a page turns only the
    few it shows into dates."""

    def __init__(self, days: Sequence[int], ids: Sequence[int]):
        self.days, self.ids = days, ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [(dt.date.fromordinal(d), pk, pk) for d, pk in zip(self.days[index], self.ids[index])]
        return dt.date.fromordinal(self.days[index]), self.ids[index], self.ids[index]


def _fill_districts(grants: list[Grant], stamp: str | None) -> None:
    """Put the districts each district-wide grant's agency serves, and the region's, on its
    membership from the cache, so that its scope needs no query."""
    for grant in grants:
        if grant.scope != Scope.DISTRICT or hasattr(grant.membership, "_all_district_ids"):
            continue
        m = grant.membership
        if getattr(m, "_district_ids", None) is None:
            m._district_ids = _cached(f"districts:{m.agency_id}", lambda: (grant.districts(), None), stamp)  # noqa: B023
        m._all_district_ids = _cached("districts:all", lambda: (all_district_ids(), None), stamp)


def case_reach(user, action: str, purpose: str, prefix: str = "") -> CaseReach:
    """The cases the user may reach for this action and purpose (see CaseReach), on Case or a model
    reaching it through `prefix`."""
    grants = grants_for(user, action, purpose)
    if not grants:
        return CaseReach(parts=[], sealed=[])
    stamp = access_stamp()
    _fill_districts(grants, stamp)
    # (OR-ed from the first grant's: an empty `pk__in` to start from costs every query a lookup)
    kept = _broadest_per_agency(grants)
    scope = reduce(operator.or_, [grant.case_q(prefix) for grant in kept])
    plain = reduce(operator.or_, [grant.case_q() for grant in kept]) if prefix else scope
    parts = [scope]
    # A meeting's scope is its agenda, which no stamp follows: its cases are not told apart ahead.
    meeting = purpose == Purpose.MEETING
    found = _stamped_widening_and_seals(user, action, grants, stamp, None if meeting else plain)
    if isinstance(found, _Named):
        # Few enough to name: the sealed and the scope's own are out, so each part is a short
        # list of ids the database looks up on the primary key.
        if meeting:
            # A meeting member reaches the agenda and nothing else: no case team, no break-glass.
            found = _Named([], [], [], [], found.sealed)
        return _named_reach(scope, found, prefix, plain=not meeting)
    team, glass, sealed = found
    if meeting:
        team = glass = []
    if _nonempty(team):
        parts.append(Q(**{f"{prefix}pk__in": team}) & ~scope)
    if _nonempty(glass):
        extra = Q(**{f"{prefix}pk__in": glass}) & ~scope
        parts.append(extra & ~Q(**{f"{prefix}pk__in": team}) if _nonempty(team) else extra)
    if prefix and _nonempty(sealed):
        # Through a prefix the exclusion names the related case, not the row itself.
        return CaseReach(parts=[p & ~Q(**{f"{prefix}pk__in": sealed}) for p in parts], sealed=[])
    return CaseReach(parts=parts, sealed=sealed)


def _named_reach(scope: Q, named: _Named, prefix: str, plain: bool) -> CaseReach:
    """CaseReach when the team, break-glass and sealed cases came back as lists (`plain`: the scope
    too is written out, see CaseReach)."""
    parts, bounded, keys = [scope], set(), {}
    for ids, days in ((named.team, named.team_days), (named.glass, named.glass_days)):
        if ids:
            bounded.add(len(parts))
            keys[len(parts)] = DayKeys(days, ids)
            # (none of them in the scope: _Named took those out)
            parts.append(Q(**{f"{prefix}pk__any": ids}))
    if prefix and named.sealed:
        # Through a prefix the exclusion names the related case, not the row itself.
        parts[0] = scope & ~Q(**{f"{prefix}pk__any": named.sealed})
        return CaseReach(parts=parts, sealed=[], bounded=frozenset(bounded), keys=keys)
    return CaseReach(
        parts=parts,
        sealed=named.sealed,
        bounded=frozenset(bounded),
        keys=keys,
        sealed_in_scope=named.within_scope,
        plain=plain,
    )


def case_filter(user, action: str, purpose: str, prefix: str = "") -> Q:
    """Q over Case (or a model reaching it through `prefix`) for the cases the user may reach.

    Scope, widened by case teams and live break-glass, narrowed by seals (which win over all).
    """
    return case_reach(user, action, purpose, prefix).q()


def _participants():
    return apps.get_model("cases", "Participant").objects


def person_filter(user, action: str, purpose: str) -> Q:
    """Q over Person for the persons the user may reach: those taking part in a case the user may reach."""
    if not grants_for(user, action, purpose):
        return Q(pk__in=[])
    participations = _participants().filter(case_filter(user, action, purpose, "case__"))
    return Q(pk__in=participations.values("person_id"))


def persons_reachable_among(user, action: str, purpose: str, person_ids: list[int]) -> set[int]:
    """Which of these persons the user may reach (as person_filter decides), for a short list of
    candidates: their participations are looked up first, then only those cases are checked."""
    if not person_ids or not grants_for(user, action, purpose):
        return set()
    participations = _participants().filter(person_id__in=person_ids)
    return set(participations.filter(case_filter(user, action, purpose, "case__")).values_list("person_id", flat=True))


def _deny(rule: str) -> Decision:
    return Decision(False, rule)


def _no_grant_rule(user, action: str, purpose: str) -> str:
    if _role_grants(user, action, purpose, trained_only=False):
        return "no-data-protection-training"
    return "no-role-allows-this"


def decide(user, action: str, purpose: str, obj=None) -> Decision:
    """May `user` take `action` for `purpose` on `obj` (a Case, a Person, or None for no record)?"""
    if not getattr(user, "is_authenticated", False):
        return _deny("not-signed-in")
    if purpose not in Purpose.values:
        return _deny("unknown-purpose")
    grants = grants_for(user, action, purpose)
    if not grants:
        return _deny(_no_grant_rule(user, action, purpose))
    if obj is None:
        return Decision(True, rules_text(grants), grants[0].membership if len(grants) == 1 else None)
    label = obj._meta.label_lower
    if label == "cases.case":
        return _decide_case(user, action, grants, obj)
    if label == "people.person":
        return _decide_person(user, action, purpose, obj)
    if label == "hotline.contact":
        return _decide_contact(action, grants, obj)
    if label == "schools.pupil":
        return _decide_pupil(grants, obj)
    if label == "schools.teen":
        return _decide_in_district(_teen_grants(grants), obj.district_id, "teens-of-the-district")
    if label == "schools.workingchild":
        return _decide_in_district(grants, obj.district_id, "child-labour-of-the-district")
    return _deny("unknown-record-type")


# --- schools, teenagers at risk, child labour ----------------------------------------------------
# These records are not reached through cases: a school reaches its own pupils (an education body
# with a district scope those of its districts' schools); the list of teenagers at risk and the
# child-labour chain are shared by district among the roles the policy names.
def _decide_pupil(grants: list[Grant], pupil) -> Decision:
    for grant in grants:
        if grant.membership.agency_id == pupil.school_id:
            return Decision(True, f"{grant.rule}+school", grant.membership, grant.fields)
    for grant in grants:
        if grant.scope >= Scope.DISTRICT and pupil.school.district_id in grant.districts():
            return Decision(True, f"{grant.rule}+district", grant.membership, grant.fields)
    return _deny("not-this-school's-pupil")


def _teen_grants(grants: list[Grant]) -> list[Grant]:
    return [g for g in grants if g.membership.agency.kind in TEEN_AGENCY_KINDS]


def _decide_in_district(grants: list[Grant], district_id: int, rule: str) -> Decision:
    for grant in grants:
        if district_id in grant.districts():
            return Decision(True, f"{grant.rule}+{rule}", grant.membership, grant.fields)
    return _deny("not-in-the-agency's-districts")


def pupil_filter(user, action: str, purpose: str, prefix: str = "") -> Q:
    """Rows of Pupil (reached through `prefix`) the user may take `action` on."""
    grants = grants_for(user, action, purpose)
    schools = {g.membership.agency_id for g in grants}
    districts = {d for g in grants if g.scope >= Scope.DISTRICT for d in g.districts()}
    return Q(**{f"{prefix}school_id__in": sorted(schools)}) | Q(
        **{f"{prefix}school__district_id__in": sorted(districts)}
    )


def school_ids_for(user, action: str, purpose: str) -> list[int]:
    """The schools whose pupils the user reaches as their staff (for imports, tasks and figures)."""
    return sorted(
        {g.membership.agency_id for g in grants_for(user, action, purpose) if g.membership.agency.kind == "school"}
    )


def district_ids_for(user, action: str, purpose: str) -> list[int]:
    """The districts in which the user may take `action`: teenagers at risk (only through agencies
    of the kinds that keep that list) and child labour."""
    grants = grants_for(user, action, purpose)
    if action in (Action.VIEW_TEENS, Action.EDIT_TEENS):
        grants = _teen_grants(grants)
    return sorted({d for g in grants for d in g.districts()})


def district_record_filter(user, action: str, purpose: str, prefix: str = "") -> Q:
    """Rows of Teen or WorkingChild (reached through `prefix`) the user may take `action` on."""
    return Q(**{f"{prefix}district_id__in": district_ids_for(user, action, purpose)})


def _decide_contact(action: str, grants: list[Grant], contact) -> Decision:
    """A helpline contact belongs to the agency whose operator took it; a call still waiting for an
    operator may be taken by any operator. Only the operator who took it goes on logging it."""
    for grant in grants:
        membership = grant.membership
        if contact.agency_id is None:
            if action == Action.LOG_CONTACT:
                return Decision(True, f"{grant.rule}+waiting-call", membership, grant.fields)
            continue
        if membership.agency_id != contact.agency_id:
            continue
        if action == Action.LOG_CONTACT and contact.operator_id not in (None, membership.user_id):
            return _deny("taken-by-another-operator")
        return Decision(True, f"{grant.rule}+helpline", membership, grant.fields)
    return _deny("not-this-agency's-helpline")


def _decide_case(user, action: str, grants: list[Grant], case) -> Decision:
    if is_sealed_for(user, case):
        return _deny("sealed")
    for grant in grants:
        if grant.covers_case(case):
            return Decision(True, grant.rule, grant.membership, grant.fields)
    if any(grant.for_meeting for grant in grants):
        return _deny("not-on-a-meeting-agenda")
    for team_grant in _team_grants(grants).filter(case=case).select_related("agency"):
        for grant in grants:
            if grant.membership.agency_id == team_grant.agency_id:
                rule = f"{grant.rule}+team:{team_grant.source}#{team_grant.pk}"
                return Decision(True, rule, grant.membership, grant.fields)
    glass = _break_glasses(user, action).filter(case=case).select_related("membership").first()
    if glass is not None:
        return Decision(True, f"break-glass#{glass.pk}", glass.membership, policy_for(glass.membership.role).fields)
    return _deny("out-of-scope")


def _decide_person(user, action: str, purpose: str, person) -> Decision:
    """A person is reached through a case: the first case of theirs the user may reach decides."""
    cases = apps.get_model("cases", "Case").objects
    reachable = cases.filter(case_filter(user, action, purpose), participants__person=person).distinct()
    case = reachable.order_by("pk").first()
    if case is None:
        return _deny("out-of-scope")
    decision = _decide_case(user, action, grants_for(user, action, purpose), case)
    return Decision(decision.allowed, f"case#{case.pk}:{decision.rule}", decision.membership, decision.fields)


def agencies_acting_for(user, action: str, purpose: str) -> list:
    """The agencies in which the user may take `action` for `purpose` (e.g. open a case)."""
    seen, agencies = set(), []
    for grant in grants_for(user, action, purpose):
        if grant.membership.agency_id not in seen:
            seen.add(grant.membership.agency_id)
            agencies.append(grant.membership.agency)
    return agencies


def decide_for_agency(user, action: str, purpose: str, agency) -> Decision:
    """May the user take `action` (e.g. open a case, answer a referral) on behalf of this agency?"""
    base = decide(user, action, purpose)
    if not base.allowed:
        return base
    for grant in grants_for(user, action, purpose):
        if grant.membership.agency_id == agency.pk:
            return Decision(True, grant.rule, grant.membership, grant.fields)
    return _deny("not-a-member-of-this-agency")


def purposes_for(user, action: str) -> list[str]:
    """The purposes for which the user's roles allow `action`, in the order of Purpose."""
    allowed = set()
    for membership in memberships_of(user):
        policy = policy_for(membership.role)
        if action in policy.actions and policy.scope != Scope.NONE:
            allowed |= {p for p in policy.purposes if purpose_allows(p, action)}
    return [p for p in Purpose.values if p in allowed]


# --- what a case page shows about access ---------------------------------------------------------
def seals_of(case):
    """Active seals on a case (for those who may seal it)."""
    return Seal.objects.filter(case=case, lifted_at__isnull=True).select_related("agency", "unit", "user")


def team_of(case):
    """The case team: workers given access by an accepted referral or a meeting, active first."""
    return CaseGrant.objects.filter(case=case).select_related("agency", "user").order_by("ended_at", "-granted_at")


def consents_of(case):
    """Consents recorded on a case, newest first."""
    from .models import Consent

    return Consent.objects.filter(case=case).select_related("person").prefetch_related("agencies")


def break_glass_queue(*, review: str | None = "pending"):
    """Break-glass accesses for the data-protection officer, newest first."""
    qs = BreakGlass.objects.select_related("user", "case", "membership__agency", "reviewed_by")
    return qs.filter(review=review) if review else qs


def reaches_districts(user, action: str, purpose: str) -> bool:
    """Whether one of the user's grants reaches whole districts (or the region), not one agency."""
    return any(grant.scope >= Scope.DISTRICT for grant in grants_for(user, action, purpose))
