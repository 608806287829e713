"""The access policy: which role may take which action, for which purpose, over which records.

This table is the one place that says it. Default is no access (DESIGN.md rule 3):
a role not listed, an action not listed, or a purpose not listed gets nothing.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from safezone.accounts.models import Role


class Action(models.TextChoices):
    """Something a user does to personal data."""

    LIST_CASES = "case.list", _("list cases")
    VIEW_CASE = "case.view", _("read a case")
    OPEN_CASE = "case.open", _("open a case")
    EDIT_CASE = "case.edit", _("change a case")
    ADD_INCIDENT = "incident.add", _("record an incident")
    VIEW_PERSON = "person.view", _("read a person's record")
    SEARCH_PERSONS = "person.search", _("search persons")
    CREATE_PERSON = "person.create", _("register a person")


class Scope(models.IntegerChoices):
    """Which records a role reaches through one membership, narrowest first."""

    NONE = 0, _("no records")
    OWN = 1, _("own cases")
    AGENCY = 2, _("the agency's cases")
    DISTRICT = 3, _("cases in the districts the agency serves")
    REGION = 4, _("all cases in the region")


class Purpose(models.TextChoices):
    """Why the data is read: every read names one, and the role must allow it."""

    CASE_WORK = "case_work", _("case work")
    INTAKE = "intake", _("intake")
    SUPERVISION = "supervision", _("supervision")
    COORDINATION = "coordination", _("multi-agency coordination")


@dataclass(frozen=True)
class RolePolicy:
    """What one role may do: the actions, the purposes they may serve, and the reach."""

    scope: Scope
    actions: frozenset[str]
    purposes: frozenset[str]


_CASE_WORK = frozenset(
    {
        Action.LIST_CASES,
        Action.VIEW_CASE,
        Action.OPEN_CASE,
        Action.EDIT_CASE,
        Action.ADD_INCIDENT,
        Action.VIEW_PERSON,
        Action.SEARCH_PERSONS,
        Action.CREATE_PERSON,
    }
)
_READ_ONLY = frozenset({Action.LIST_CASES, Action.VIEW_CASE, Action.VIEW_PERSON})
_NOTHING: frozenset[str] = frozenset()

ROLE_POLICY: dict[str, RolePolicy] = {
    Role.CASEWORKER: RolePolicy(Scope.OWN, _CASE_WORK, frozenset({Purpose.CASE_WORK, Purpose.INTAKE})),
    Role.HELPLINE_OPERATOR: RolePolicy(Scope.OWN, _CASE_WORK, frozenset({Purpose.CASE_WORK, Purpose.INTAKE})),
    Role.SCHOOL_PEDAGOGUE: RolePolicy(Scope.OWN, _CASE_WORK, frozenset({Purpose.CASE_WORK, Purpose.INTAKE})),
    Role.POLICE_OFFICER: RolePolicy(Scope.AGENCY, _CASE_WORK, frozenset({Purpose.CASE_WORK, Purpose.INTAKE})),
    Role.SUPERVISOR: RolePolicy(
        Scope.AGENCY, _CASE_WORK, frozenset({Purpose.CASE_WORK, Purpose.INTAKE, Purpose.SUPERVISION})
    ),
    # Coordinators read (never edit) cases of the districts their body covers, for meetings.
    Role.COORDINATOR: RolePolicy(Scope.DISTRICT, _READ_ONLY, frozenset({Purpose.COORDINATION})),
    # Analysts work on pseudonymised figures only; administrators keep reference data;
    # the data-protection officer reads the audit log, not case content.
    Role.ANALYST: RolePolicy(Scope.NONE, _NOTHING, frozenset()),
    Role.ADMINISTRATOR: RolePolicy(Scope.NONE, _NOTHING, frozenset()),
    Role.DPO: RolePolicy(Scope.NONE, _NOTHING, frozenset()),
}


# Some purposes reach only some actions, whatever the role: intake finds or registers the
# person, opens the case and records its first incident, and lists nothing.
PURPOSE_ACTIONS: dict[str, frozenset[str]] = {
    Purpose.INTAKE: frozenset(
        {Action.SEARCH_PERSONS, Action.VIEW_PERSON, Action.CREATE_PERSON, Action.OPEN_CASE, Action.ADD_INCIDENT}
    ),
}


def purpose_allows(purpose: str, action: str) -> bool:
    """Whether this purpose can ever serve this action."""
    return action in PURPOSE_ACTIONS.get(purpose, Action.values)


def policy_for(role: str) -> RolePolicy:
    """The policy of a role; an unknown role gets nothing."""
    return ROLE_POLICY.get(role, RolePolicy(Scope.NONE, _NOTHING, frozenset()))
