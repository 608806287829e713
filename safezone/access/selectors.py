"""Questions the policy answers: which records may this user reach, and may they do this to that one."""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from safezone.accounts.models import Membership
from safezone.accounts.selectors import memberships_of

from .policy import Purpose, Scope, policy_for, purpose_allows


@dataclass(frozen=True)
class Grant:
    """One membership's permission to take an action for a purpose, with its reach."""

    membership: Membership
    scope: Scope

    @property
    def rule(self) -> str:
        """How the audit log names this grant, e.g. `caseworker@crisis-vologda:own`."""
        return f"{self.membership.role}@{self.membership.agency.code}:{self.scope.name.lower()}"

    def districts(self) -> list[int]:
        """Ids of the districts the membership's agency serves (cached on the membership)."""
        cached = getattr(self.membership, "_district_ids", None)
        if cached is None:
            cached = list(self.membership.agency.districts_served.values_list("pk", flat=True))
            self.membership._district_ids = cached
        return cached

    def case_q(self, prefix: str = "") -> Q:
        """Rows of Case (reached through `prefix`) that this grant covers."""
        user_id, agency_id = self.membership.user_id, self.membership.agency_id
        if self.scope == Scope.OWN:
            return Q(**{f"{prefix}owner_worker_id": user_id, f"{prefix}owner_agency_id": agency_id})
        if self.scope == Scope.AGENCY:
            return Q(**{f"{prefix}owner_agency_id": agency_id})
        if self.scope == Scope.DISTRICT:
            return Q(**{f"{prefix}district_id__in": self.districts()})
        if self.scope == Scope.REGION:
            return Q(**{f"{prefix}pk__isnull": False})
        return Q(pk__in=[])

    def covers_case(self, case) -> bool:
        """Whether this grant reaches one case (no query beyond the districts served)."""
        if self.scope == Scope.OWN:
            return case.owner_worker_id == self.membership.user_id and case.owner_agency_id == self.membership.agency_id
        if self.scope == Scope.AGENCY:
            return case.owner_agency_id == self.membership.agency_id
        if self.scope == Scope.DISTRICT:
            return case.district_id in self.districts()
        return self.scope == Scope.REGION


@dataclass(frozen=True)
class Decision:
    """An answer of the policy: allowed or not, and the rule that decided."""

    allowed: bool
    rule: str

    def __bool__(self) -> bool:
        return self.allowed


def grants_for(user, action: str, purpose: str) -> list[Grant]:
    """The user's memberships that allow `action` for `purpose`, each with its scope."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or not purpose_allows(purpose, action):
        return []
    grants = []
    for membership in memberships_of(user):
        policy = policy_for(membership.role)
        if action in policy.actions and purpose in policy.purposes and policy.scope != Scope.NONE:
            grants.append(Grant(membership, Scope(policy.scope)))
    return grants


def rules_text(grants: list[Grant]) -> str:
    """The grants that let a list through, as the audit log records them."""
    return "|".join(g.rule for g in grants) or "no-grant"


def _none() -> Q:
    return Q(pk__in=[])


def case_filter(user, action: str, purpose: str, prefix: str = "") -> Q:
    """Q over Case (or a model reaching it through `prefix`) for the cases the user may reach."""
    grants = grants_for(user, action, purpose)
    if not grants:
        return _none()
    q = Q()
    for i, grant in enumerate(grants):
        q = grant.case_q(prefix) if i == 0 else q | grant.case_q(prefix)
    return q


def _participants():
    return apps.get_model("cases", "Participant").objects


def person_filter(user, action: str, purpose: str) -> Q:
    """Q over Person for the persons the user may reach: those taking part in a case the user may reach."""
    grants = grants_for(user, action, purpose)
    if not grants:
        return _none()
    participations = _participants().filter(person=OuterRef("pk")).filter(case_filter(user, action, purpose, "case__"))
    return Q(Exists(participations))


def _deny(rule: str) -> Decision:
    return Decision(False, rule)


def decide(user, action: str, purpose: str, obj=None) -> Decision:
    """May `user` take `action` for `purpose` on `obj` (a Case, a Person, or None for no record)?"""
    if not getattr(user, "is_authenticated", False):
        return _deny("not-signed-in")
    if purpose not in Purpose.values:
        return _deny("unknown-purpose")
    grants = grants_for(user, action, purpose)
    if not grants:
        return _deny("no-role-allows-this")
    if obj is None:
        return Decision(True, rules_text(grants))
    label = obj._meta.label_lower
    for grant in grants:
        if label == "cases.case" and grant.covers_case(obj):
            return Decision(True, grant.rule)
        if label == "people.person" and _participants().filter(person=obj).filter(grant.case_q("case__")).exists():
            return Decision(True, grant.rule)
    return _deny("out-of-scope")


def agencies_acting_for(user, action: str, purpose: str) -> list:
    """The agencies in which the user may take `action` for `purpose` (e.g. open a case)."""
    seen, agencies = set(), []
    for grant in grants_for(user, action, purpose):
        if grant.membership.agency_id not in seen:
            seen.add(grant.membership.agency_id)
            agencies.append(grant.membership.agency)
    return agencies


def decide_for_agency(user, action: str, purpose: str, agency) -> Decision:
    """May the user take `action` (e.g. open a case) on behalf of this agency?"""
    base = decide(user, action, purpose)
    if not base.allowed:
        return base
    for grant in grants_for(user, action, purpose):
        if grant.membership.agency_id == agency.pk:
            return Decision(True, grant.rule)
    return _deny("not-a-member-of-this-agency")


def purposes_for(user, action: str) -> list[str]:
    """The purposes for which the user's roles allow `action`, in the order of Purpose."""
    allowed = set()
    for membership in memberships_of(user):
        policy = policy_for(membership.role)
        if action in policy.actions and policy.scope != Scope.NONE:
            allowed |= {p for p in policy.purposes if purpose_allows(p, action)}
    return [p for p in Purpose.values if p in allowed]
