"""The access policy: which role may take which action, for which purpose, over which records,
and which sensitive fields it sees.

This table is the one place that says it. Default is no access (DESIGN.md rule 3): a role
not listed, an action not listed, a purpose not listed, or a membership without
data-protection training gets nothing.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safezone.accounts.models import Role


class Action(models.TextChoices):
    """Something a user does to personal data."""

    LIST_CASES = "case.list", _("list cases")
    VIEW_CASE = "case.view", _("read a case")
    OPEN_CASE = "case.open", _("open a case")
    EDIT_CASE = "case.edit", _("change a case")
    EXPORT_CASES = "case.export", _("export cases")
    SEAL_CASE = "case.seal", _("seal a case")
    REFER_CASE = "case.refer", _("refer a case")
    ANSWER_REFERRAL = "referral.answer", _("answer a referral")
    BREAK_GLASS = "case.break_glass", _("break the glass")
    ADD_INCIDENT = "incident.add", _("record an incident")
    RECORD_SAFETY = "case.safety", _("record the safety questions")
    VIEW_PERSON = "person.view", _("read a person's record")
    SEARCH_PERSONS = "person.search", _("search persons")
    # Flag and tag: a search may say that another agency knows someone who fits, and who to ask.
    FLAG_PERSON = "person.flag", _("learn which agency knows a person one may not see")
    CREATE_PERSON = "person.create", _("register a person")
    EDIT_PERSON = "person.edit", _("change a person's record")
    RECORD_CONSENT = "consent.record", _("record consent")
    READ_AUDIT = "audit.read", _("read the audit log")
    EXPORT_AUDIT = "audit.export", _("export a person's access history")
    REVIEW_BREAK_GLASS = "break_glass.review", _("review break-glass access")
    CLOSE_CASE = "case.close", _("ask to close or reopen a case")
    APPROVE_CLOSURE = "case.approve_closure", _("approve closing a case")
    RECORD_SERVICE = "service.record", _("record a service delivered")
    VIEW_CAPACITY = "capacity.view", _("see places and occupancy of shelters and programmes")
    VIEW_MEETING = "meeting.view", _("see a multi-agency meeting and its agenda")
    RESEARCH_MEETING = "meeting.research", _("record what the agency knows before a meeting")
    RUN_MEETING = "meeting.run", _("plan and chair a multi-agency meeting")
    REVIEW_LINKAGE = "linkage.review", _("review pairs of records that may be one person")
    MERGE_PERSONS = "linkage.merge", _("merge or separate person records")
    RUN_LINKAGE = "linkage.run", _("run batch linkage over the register")
    # The helpline: an operator takes and logs contacts, keeps caller notes, callbacks and shifts;
    # the agency's contacts, their figures and the shift coverage are read by its supervisors too.
    LOG_CONTACT = "contact.log", _("take and log helpline contacts")
    VIEW_CONTACTS = "contact.view", _("read the helpline's contacts and their figures")
    # Schools: a school's staff read their own pupils (attendance, behaviour, marks, flags) and
    # handle the early-warning flags with support plans; they send the school's registers.
    VIEW_PUPILS = "pupil.view", _("read pupils, their attendance and early-warning flags")
    SUPPORT_PUPILS = "pupil.support", _("handle early-warning flags and support plans")
    IMPORT_SCHOOL = "school.import", _("send the school's registers")
    # Figures of early warning per school and district (counts, no names).
    SCHOOL_FIGURES = "school.figures", _("see early-warning figures of schools and districts")
    # The district's list of teenagers at risk: police juvenile inspectors and social workers.
    VIEW_TEENS = "teen.view", _("read the list of teenagers at risk")
    EDIT_TEENS = "teen.edit", _("add teenagers to the list and log outreach")
    # Child-labour monitoring: visits, children found at work and their chain of steps.
    VIEW_LABOUR = "labour.view", _("read the child-labour monitoring")
    RECORD_LABOUR = "labour.record", _("record visits, children at work and chain steps")
    # Statistics: disclosure-controlled figures of the pseudonymised projection, never a record.
    VIEW_FIGURES = "stats.view", _("see the dashboards, indicators and reports")
    EXPORT_AGGREGATES = "stats.export", _("export aggregates (DHIS2, ADX, open data)")
    DEFINE_INDICATORS = "stats.define", _("define indicators and code mappings")
    VIEW_PLAN = "plan.view", _("read the regional action plan")
    EDIT_PLAN = "plan.edit", _("keep the regional action plan")


class Scope(models.IntegerChoices):
    """Which records a role reaches through one membership, narrowest first."""

    NONE = 0, _("no records")
    OWN = 1, _("own cases")
    TEAM = 2, _("the unit's cases")
    AGENCY = 3, _("the agency's cases")
    DISTRICT = 4, _("cases in the districts the agency serves")
    REGION = 5, _("all cases in the region")


class Purpose(models.TextChoices):
    """Why the data is read: every read names one, and the role must allow it."""

    CASE_WORK = "case_work", _("case work")
    INTAKE = "intake", _("intake")
    SUPERVISION = "supervision", _("supervision")
    COORDINATION = "coordination", _("multi-agency coordination")
    # A member agency of a multi-agency risk meeting reaches only the cases on its meetings' agendas.
    MEETING = "meeting", _("multi-agency risk meeting")
    DATA_PROTECTION = "data_protection", _("data protection")
    # One person, one record: the data steward's review of linkage.
    DATA_QUALITY = "data_quality", _("data quality (one person, one record)")
    HELPLINE = "helpline", _("helpline")
    SCHOOL_SUPPORT = "school_support", _("school support (early warning)")
    CHILD_PROTECTION = "child_protection", _("child protection (teenagers at risk, child labour)")
    STATISTICS = "statistics", _("statistics and planning (figures only)")


class FieldGroup(models.TextChoices):
    """Sensitive fields, shown only to roles that need them (an analyst never sees them)."""

    NARRATIVE = "narrative", _("narrative (summaries, what happened)")
    CONTACTS = "contacts", _("contact details")
    SAFE_CONTACT = "safe_contact", _("safe-contact instructions")
    SHELTER_ADDRESS = "shelter_address", _("shelter addresses")


class ShareCategory(models.TextChoices):
    """Kinds of information a person may agree to share."""

    SUMMARY = "summary", _("what happened and the case summary")
    CONTACTS = "contacts", _("contact details")
    SAFE_CONTACT = "safe_contact", _("safe-contact instructions")
    HEALTH = "health", _("health information")
    CHILDREN = "children", _("information about the children")


@dataclass(frozen=True)
class RolePolicy:
    """What one role may do: the actions, the purposes they may serve, the reach, the sensitive fields."""

    scope: Scope
    actions: frozenset[str]
    purposes: frozenset[str]
    fields: frozenset[str] = frozenset()


_READ = frozenset({Action.LIST_CASES, Action.VIEW_CASE, Action.VIEW_PERSON})
_CASE_WORK = _READ | {
    Action.OPEN_CASE,
    Action.EDIT_CASE,
    Action.EXPORT_CASES,
    Action.SEAL_CASE,
    Action.REFER_CASE,
    Action.ANSWER_REFERRAL,
    Action.BREAK_GLASS,
    Action.ADD_INCIDENT,
    Action.RECORD_SAFETY,
    Action.SEARCH_PERSONS,
    Action.FLAG_PERSON,
    Action.CREATE_PERSON,
    Action.EDIT_PERSON,
    Action.RECORD_CONSENT,
    Action.CLOSE_CASE,
    Action.RECORD_SERVICE,
    Action.VIEW_CAPACITY,
    Action.VIEW_MEETING,
    Action.RESEARCH_MEETING,
}
_SUPERVISING = _CASE_WORK | {Action.APPROVE_CLOSURE}
_FRONT_LINE = frozenset({Purpose.CASE_WORK, Purpose.INTAKE, Purpose.MEETING})
_SCHOOL_STAFF = frozenset({Action.VIEW_PUPILS, Action.SUPPORT_PUPILS, Action.IMPORT_SCHOOL, Action.SCHOOL_FIGURES})
_TEENS = frozenset({Action.VIEW_TEENS, Action.EDIT_TEENS})
_LABOUR = frozenset({Action.VIEW_LABOUR, Action.RECORD_LABOUR})
_STATS = frozenset(
    {Action.VIEW_FIGURES, Action.EXPORT_AGGREGATES, Action.DEFINE_INDICATORS, Action.VIEW_PLAN, Action.EDIT_PLAN}
)
# Actions that read no personal data at all (aggregates after disclosure control, the action plan).
FIGURES_ONLY = _STATS
_ALL_FIELDS = frozenset(FieldGroup.values)
_NOTHING: frozenset[str] = frozenset()

ROLE_POLICY: dict[str, RolePolicy] = {
    # Social workers keep the district's list of teenagers at risk with the juvenile inspectors
    # (only in agencies of the kinds in TEEN_AGENCY_KINDS) and run the child-labour chain.
    Role.CASEWORKER: RolePolicy(
        Scope.OWN, _CASE_WORK | _TEENS | _LABOUR, _FRONT_LINE | {Purpose.CHILD_PROTECTION}, _ALL_FIELDS
    ),
    Role.TEAM_LEAD: RolePolicy(Scope.TEAM, _SUPERVISING, _FRONT_LINE | {Purpose.SUPERVISION}, _ALL_FIELDS),
    Role.SUPERVISOR: RolePolicy(
        Scope.AGENCY,
        _SUPERVISING | {Action.VIEW_CONTACTS},
        _FRONT_LINE | {Purpose.SUPERVISION, Purpose.HELPLINE},
        _ALL_FIELDS,
    ),
    Role.HELPLINE_OPERATOR: RolePolicy(
        Scope.OWN,
        (_CASE_WORK - {Action.EXPORT_CASES}) | {Action.LOG_CONTACT, Action.VIEW_CONTACTS},
        _FRONT_LINE | {Purpose.HELPLINE},
        frozenset({FieldGroup.NARRATIVE, FieldGroup.CONTACTS, FieldGroup.SAFE_CONTACT}),
    ),
    Role.SCHOOL_PEDAGOGUE: RolePolicy(
        Scope.OWN,
        (_CASE_WORK - {Action.EXPORT_CASES}) | _SCHOOL_STAFF,
        _FRONT_LINE | {Purpose.SCHOOL_SUPPORT},
        frozenset({FieldGroup.NARRATIVE, FieldGroup.CONTACTS}),
    ),
    Role.POLICE_OFFICER: RolePolicy(
        Scope.AGENCY,
        _CASE_WORK,
        _FRONT_LINE,
        frozenset({FieldGroup.NARRATIVE, FieldGroup.CONTACTS, FieldGroup.SAFE_CONTACT}),
    ),
    # Coordinators read (never edit) cases of the districts their body covers, for meetings.
    # They chair the multi-agency meetings of those districts.
    # The child-labour unit's coordinators run the monitoring chain of their districts, and
    # coordinators see the early-warning figures of their districts' schools.
    Role.COORDINATOR: RolePolicy(
        Scope.DISTRICT,
        _READ
        | _LABOUR
        | {Action.VIEW_CAPACITY, Action.VIEW_MEETING, Action.RUN_MEETING, Action.SCHOOL_FIGURES}
        | {Action.VIEW_FIGURES, Action.VIEW_PLAN, Action.EDIT_PLAN},
        frozenset({Purpose.COORDINATION, Purpose.CHILD_PROTECTION, Purpose.SCHOOL_SUPPORT, Purpose.STATISTICS}),
        frozenset({FieldGroup.NARRATIVE}),
    ),
    # A police juvenile inspector keeps the district's list of teenagers at risk and sees the
    # children found at work there; no case door.
    Role.JUVENILE_INSPECTOR: RolePolicy(
        Scope.DISTRICT,
        _TEENS | {Action.VIEW_LABOUR},
        frozenset({Purpose.CHILD_PROTECTION}),
        frozenset({FieldGroup.NARRATIVE}),
    ),
    # The data-protection officer answers subject-access requests and reviews break-glass:
    # finds a person across the region and reads the audit log, never case content.
    Role.DPO: RolePolicy(
        Scope.REGION,
        frozenset({Action.SEARCH_PERSONS, Action.READ_AUDIT, Action.EXPORT_AUDIT, Action.REVIEW_BREAK_GLASS}),
        frozenset({Purpose.DATA_PROTECTION}),
    ),
    # The data steward sees names, birth dates, documents and districts of the persons in the
    # pairs linkage found, across the region (a seal still hides a person), never case content.
    Role.DATA_STEWARD: RolePolicy(
        Scope.REGION,
        frozenset({Action.REVIEW_LINKAGE, Action.MERGE_PERSONS, Action.RUN_LINKAGE}),
        frozenset({Purpose.DATA_QUALITY}),
    ),
    # Analysts work on pseudonymised, disclosure-controlled figures of the whole region only (no
    # record of any kind); administrators keep reference data.
    Role.ANALYST: RolePolicy(Scope.REGION, _STATS, frozenset({Purpose.STATISTICS})),
    Role.ADMINISTRATOR: RolePolicy(Scope.NONE, _NOTHING, _NOTHING),
}

# Some purposes reach only some actions, whatever the role: intake finds or registers the
# person, opens the case and records its first incident, and lists nothing.
PURPOSE_ACTIONS: dict[str, frozenset[str]] = {
    Purpose.INTAKE: frozenset(
        {
            Action.SEARCH_PERSONS,
            Action.FLAG_PERSON,
            Action.VIEW_PERSON,
            Action.CREATE_PERSON,
            Action.OPEN_CASE,
            Action.ADD_INCIDENT,
            Action.RECORD_SAFETY,
        }
    ),
    Purpose.DATA_PROTECTION: frozenset(
        {Action.SEARCH_PERSONS, Action.READ_AUDIT, Action.EXPORT_AUDIT, Action.REVIEW_BREAK_GLASS}
    ),
    Purpose.DATA_QUALITY: frozenset({Action.REVIEW_LINKAGE, Action.MERGE_PERSONS, Action.RUN_LINKAGE}),
    Purpose.HELPLINE: frozenset({Action.LOG_CONTACT, Action.VIEW_CONTACTS}),
    # A pupil, a listed teenager or a child at work is matched to a person of the register by
    # `people.selectors.person_match` (the same person is not registered twice) without a search
    # that would show anyone else: these purposes reach only their own records.
    Purpose.SCHOOL_SUPPORT: _SCHOOL_STAFF,
    Purpose.CHILD_PROTECTION: _TEENS | _LABOUR,
    Purpose.STATISTICS: _STATS,
    # At a meeting a member reads the agenda's cases and records what the agency knows; the
    # case work itself (edits, referrals, plans) is done under case work by the case's own team.
    Purpose.MEETING: frozenset(
        {Action.LIST_CASES, Action.VIEW_CASE, Action.VIEW_PERSON, Action.VIEW_MEETING, Action.RESEARCH_MEETING}
    ),
}

# Agencies whose social workers keep the list of teenagers at risk (with the police).
TEEN_AGENCY_KINDS = frozenset({"police", "social_protection", "rehabilitation_centre", "youth_commission"})

# Break-glass opens a case for reading only: to act, the worker asks for a referral.
BREAK_GLASS_ACTIONS = frozenset({Action.LIST_CASES, Action.VIEW_CASE, Action.VIEW_PERSON})


def break_glass_hours() -> int:
    """How long a break-glass access lasts (SAFEZONE_BREAK_GLASS_HOURS, default 8)."""
    return int(getattr(settings, "SAFEZONE_BREAK_GLASS_HOURS", 8))


# Actions that only their own purpose serves: a pupil's file is read for school support, a
# teenager's or a working child's for child protection, never "for case work".
OWN_PURPOSE = {
    **{action: Purpose.SCHOOL_SUPPORT for action in _SCHOOL_STAFF},
    **{action: Purpose.CHILD_PROTECTION for action in _TEENS | _LABOUR},
    **{action: Purpose.STATISTICS for action in _STATS},
}


# (Action.values builds its list anew each time it is read; every list asks this.)
_ALL_ACTIONS = frozenset(Action.values)


def purpose_allows(purpose: str, action: str) -> bool:
    """Whether this purpose can ever serve this action."""
    if action in OWN_PURPOSE and OWN_PURPOSE[action] != purpose:
        return False
    return action in PURPOSE_ACTIONS.get(purpose, _ALL_ACTIONS)


def policy_for(role: str) -> RolePolicy:
    """The policy of a role; an unknown role gets nothing."""
    return ROLE_POLICY.get(role, RolePolicy(Scope.NONE, _NOTHING, _NOTHING))


def roles_allowed(action: str) -> list[str]:
    """The roles whose policy allows an action."""
    return [role for role, policy in ROLE_POLICY.items() if action in policy.actions]
