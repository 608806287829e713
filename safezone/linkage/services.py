"""Writes of linkage: pairs found, the steward's decisions, merges and unmerges. Each is decided by
`access` and audited."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safezone.access.policy import Action, Purpose
from safezone.access.services import authorize
from safezone.audit.services import audit_record
from safezone.common.errors import ChangedMeanwhile
from safezone.people.models import Person, PersonKey
from safezone.people.services import person_keys_refresh

from .models import CandidatePair, LinkageRun, Merge

QUALITY = Purpose.DATA_QUALITY


class MergeRefused(ValueError):
    """A merge or unmerge that cannot be done; the message says why."""


class RunRefused(ValueError):
    """A linkage run that cannot start now; the message says why."""


class PairChangedMeanwhile(ChangedMeanwhile):
    """Another steward decided this pair since the page was opened."""


def _audit(actor, action: str, person_id: int, request, **extra) -> None:
    """One audit event of a merge or unmerge, on the kept record (actor None: the system's auto-merge)."""
    audit_record(
        actor=actor,
        action=action,
        request=request,
        purpose=QUALITY,
        decision="allow",
        object_type="person",
        object_id=person_id,
        extra=extra,
    )


def reached_as(person: Person) -> Person:
    """The record through which a person record is reached: itself, or the one it was merged into
    (a merged record takes part in nothing of its own)."""
    return person.merged_into if person.merged_into_id else person


def person_links() -> list[tuple]:
    """(model, field) of every foreign key to Person whose rows belong to the person and move with
    a merge: cases, incidents, names, documents, consents... Not history rows (they keep what was
    true then), not search keys (rewritten), not linkage's own rows, not `merged_into`."""
    links = []
    for field in Person._meta.get_fields(include_hidden=True):
        if not (field.one_to_many and field.auto_created and not field.concrete):
            continue
        model = field.related_model
        if model is Person or model is PersonKey or model._meta.app_label == "linkage":
            continue
        if getattr(model, "_history_model", False) or model.__name__.startswith("Historical"):
            continue
        links.append((model, field.field.name))
    return links


def pairs_record(found: list[tuple[int, int, float]], *, model_version: str) -> int:
    """Put the pairs batch linkage found on the review queue; returns how many are new.

    A pair already there keeps its decision (a "not a match" is never proposed again); a pending
    one takes the new probability. Pairs with a merged record are left out.
    """
    merged = set(Person.objects.filter(merged_into__isnull=False).values_list("pk", flat=True))
    wanted = {}
    for a, b, probability in found:
        if a != b and a not in merged and b not in merged:
            wanted[(min(a, b), max(a, b))] = probability
    existing = {
        (row.left_id, row.right_id): row
        for row in CandidatePair.objects.filter(left_id__in={a for a, _ in wanted}, right_id__in={b for _, b in wanted})
    }
    new = [
        CandidatePair(left_id=a, right_id=b, probability=p, model_version=model_version)
        for (a, b), p in wanted.items()
        if (a, b) not in existing
    ]
    refreshed = [row for key, row in existing.items() if key in wanted and row.status == CandidatePair.Status.PENDING]
    for row in refreshed:
        row.probability, row.model_version = wanted[(row.left_id, row.right_id)], model_version
    with transaction.atomic():
        CandidatePair.objects.bulk_create(new, batch_size=2000)
        CandidatePair.objects.bulk_update(refreshed, ["probability", "model_version"], batch_size=2000)
    return len(new)


def pair_decide(*, actor, pair_id: int, status: str, expected_version: int, note: str = "", request=None):
    """The steward's decision on a pair: the same person (merged at once), not, or unsure."""
    if status not in (CandidatePair.Status.MATCH, CandidatePair.Status.NON_MATCH, CandidatePair.Status.UNSURE):
        raise MergeRefused(_("Choose: the same person, not the same person, or unsure."))
    pair = CandidatePair.objects.select_related("left__merged_into", "right__merged_into").get(pk=pair_id)
    for person in (pair.left, pair.right):
        authorize(user=actor, action=Action.REVIEW_LINKAGE, purpose=QUALITY, obj=reached_as(person), request=request)
    with transaction.atomic():
        locked = CandidatePair.objects.select_for_update().get(pk=pair_id)
        if locked.version != expected_version:
            raise PairChangedMeanwhile.of(locked, expected_version)
        locked.status, locked.note = status, note.strip()[:500]
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.version += 1
        locked._history_user = actor
        locked.save()
        if status == CandidatePair.Status.MATCH:
            persons_merge(actor=actor, kept=pair.left, merged=pair.right, pair=locked, request=request)
    return locked


def persons_merge(*, actor, kept: Person, merged: Person, pair=None, request=None) -> Merge:
    """Merge one person record into another: everything that pointed at `merged` points at `kept`;
    `merged` stays (marked), so the merge can be undone. Decided for both records and audited."""
    if kept.pk == merged.pk:
        raise MergeRefused(_("A record cannot be merged into itself."))
    for person in (kept, merged):
        authorize(user=actor, action=Action.MERGE_PERSONS, purpose=QUALITY, obj=person, request=request)
    return _merge(actor=actor, kept=kept, merged=merged, pair=pair, request=request)


def pairs_auto_merge(threshold: float) -> int:
    """Merge the pending pairs at or above the auto-merge threshold (a system step, audited with no
    actor; off unless SAFEZONE_LINKAGE_AUTO_MERGE_THRESHOLD is set). Returns how many merged."""
    done = 0
    for pair in CandidatePair.objects.filter(status=CandidatePair.Status.PENDING, probability__gte=threshold).order_by(
        "pk"
    ):
        kept, merged = Person.objects.get(pk=pair.left_id), Person.objects.get(pk=pair.right_id)
        if kept.merged_into_id or merged.merged_into_id:
            continue  # one side went into another record earlier in this run: leave the pair to a steward
        with transaction.atomic():
            _merge(actor=None, kept=kept, merged=merged, pair=pair)
            CandidatePair.objects.filter(pk=pair.pk).update(status=CandidatePair.Status.AUTO_MERGED)
        done += 1
    return done


def _merge(*, actor, kept: Person, merged: Person, pair=None, request=None) -> Merge:
    with transaction.atomic():
        locked = {p.pk: p for p in Person.objects.select_for_update().filter(pk__in=[kept.pk, merged.pk])}
        if any(p.merged_into_id for p in locked.values()):
            raise MergeRefused(_("One of the records was already merged into another."))
        moved, stayed = {}, 0
        for model, field in person_links():
            for pk in model.objects.filter(**{field: merged.pk}).values_list("pk", flat=True):
                # A row the kept record already has (the same document, the same role in a case)
                # stays with the merged record, which is kept too: nothing is lost or doubled.
                try:
                    with transaction.atomic():
                        model.objects.filter(pk=pk).update(**{field: kept.pk})
                except IntegrityError:
                    stayed += 1
                    continue
                moved.setdefault(model._meta.label, {}).setdefault(field, []).append(pk)
        target = locked[merged.pk]
        target.merged_into = locked[kept.pk]
        target.version += 1
        target._history_user = actor
        target.save()
        merge = Merge.objects.create(kept=kept, merged=merged, pair=pair, moved=moved, merged_by=actor)
        PersonKey.objects.filter(person=merged).delete()
        person_keys_refresh(locked[kept.pk])
        _audit(actor, "linkage.merged", kept.pk, request, merged=merged.pk, merge=merge.pk, stayed=stayed,
               moved={k: sum(map(len, v.values())) for k, v in moved.items()})  # fmt: skip
    return merge


def persons_unmerge(*, actor, merge_id: int, request=None) -> Merge:
    """Undo a merge: the rows that moved point back at the merged record, which is a record of its
    own again; its pair goes back on the queue as unsure. Decided for both records and audited."""
    from django.apps import apps

    merge = Merge.objects.select_related("kept", "merged").get(pk=merge_id)
    # The merged record took part in nothing since the merge: it is reached through the kept one.
    authorize(
        user=actor, action=Action.MERGE_PERSONS, purpose=QUALITY, obj=merge.kept, request=request,
        extra={"unmerge": merge.pk, "merged": merge.merged_id},
    )  # fmt: skip
    with transaction.atomic():
        merge = Merge.objects.select_for_update().get(pk=merge_id)
        if merge.undone_at is not None:
            raise MergeRefused(_("This merge was already undone."))
        if Merge.objects.filter(kept_id=merge.merged_id, undone_at__isnull=True).exists():
            raise MergeRefused(_("Another record was merged into this one since: undo that merge first."))
        for label, fields in merge.moved.items():
            model = apps.get_model(label)
            for field, ids in fields.items():
                model.objects.filter(pk__in=ids).update(**{field: merge.merged_id})
        merged = Person.objects.select_for_update().get(pk=merge.merged_id)
        merged.merged_into = None
        merged.version += 1
        merged._history_user = actor
        merged.save()
        merge.undone_by, merge.undone_at = actor, timezone.now()
        merge.save(update_fields=["undone_by", "undone_at"])
        if merge.pair_id:
            CandidatePair.objects.filter(pk=merge.pair_id).update(status=CandidatePair.Status.UNSURE)
        person_keys_refresh(merged)
        person_keys_refresh(Person.objects.get(pk=merge.kept_id))
        _audit(actor, "linkage.unmerged", merge.kept_id, request, merged=merge.merged_id, merge=merge.pk)
    return merge


# --- batch linkage runs ----------------------------------------------------------------------------
def linkage_run_start(*, actor, retrain: bool = False, request=None) -> LinkageRun:
    """Ask the background worker for a batch linkage of the register; one run at a time.
    Decided (the steward's `linkage.run`) and audited."""
    from .tasks import link_register_task

    authorize(user=actor, action=Action.RUN_LINKAGE, purpose=QUALITY, request=request, extra={"retrain": retrain})
    # The run and its task are written together: a run whose task could not be queued would
    # otherwise block every run after it.
    with transaction.atomic():
        run = _run_create(started_by=actor, retrain=retrain)
        run.task_id = str(link_register_task.enqueue(run.pk).id)
        run.save(update_fields=["task_id"])
    return run


def linkage_run_here(*, retrain: bool = False, backend: str | None = None, echo=print) -> LinkageRun:
    """A run from the command line: recorded like the worker's, carried out in this process."""
    run = _run_create(started_by=None, retrain=retrain, backend=backend)
    linkage_run_execute(run.pk, echo=echo)
    return LinkageRun.objects.get(pk=run.pk)


def _run_create(*, started_by, retrain: bool, backend: str | None = None) -> LinkageRun:
    runs_close_abandoned()
    try:
        with transaction.atomic():
            return LinkageRun.objects.create(
                started_by=started_by, retrain=retrain, backend=backend or settings.SAFEZONE_LINKAGE_BACKEND
            )
    except IntegrityError:
        raise RunRefused(_("A linkage run is already under way: wait for it to finish.")) from None


def runs_close_abandoned() -> None:
    """A live run whose task ended without saying so (the worker was killed), or that has not moved
    for SAFEZONE_LINKAGE_STALE_HOURS, is closed as failed: it would block every run after it."""
    from django_tasks import TaskResultStatus, default_task_backend
    from django_tasks.exceptions import TaskResultDoesNotExist

    run = LinkageRun.objects.filter(live=True).first()
    if run is None:
        return
    reason = ""
    if run.updated_at < timezone.now() - timedelta(hours=settings.SAFEZONE_LINKAGE_STALE_HOURS):
        reason = f"no progress for {settings.SAFEZONE_LINKAGE_STALE_HOURS} hours"
    elif run.task_id:
        try:
            status = default_task_backend.get_result(run.task_id).status
        except TaskResultDoesNotExist:
            status = TaskResultStatus.FAILED
        if status in (TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL):
            reason = "the worker's task ended without finishing the run"
    if reason:
        LinkageRun.objects.filter(pk=run.pk, live=True).update(
            status=LinkageRun.Status.FAILED, live=None, finished_at=timezone.now(), error=reason
        )


def linkage_run_execute(run_id: int, echo=print) -> dict:
    """Carry out a run (the worker's task, or the command line): each step's line and how far it
    got go onto the run's row, for the steward's progress page. A system step, audited at its end."""
    from .register import link_register

    run = LinkageRun.objects.get(pk=run_id)
    LinkageRun.objects.filter(pk=run_id).update(status=LinkageRun.Status.RUNNING, started_at=timezone.now())

    def progress(line: str, fraction: float | None = None) -> None:
        fields = {"step": line[:300], "updated_at": timezone.now()}
        if fraction is not None:
            fields["progress"] = fraction
        LinkageRun.objects.filter(pk=run_id).update(**fields)
        echo(line)

    try:
        figures = link_register(retrain=run.retrain, backend=run.backend, progress=progress)
    except BaseException as exc:  # an interrupted command-line run (Ctrl-C) is closed too
        LinkageRun.objects.filter(pk=run_id).update(
            status=LinkageRun.Status.FAILED, live=None, finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:5000],
        )  # fmt: skip
        raise
    LinkageRun.objects.filter(pk=run_id).update(
        status=LinkageRun.Status.DONE, live=None, finished_at=timezone.now(), progress=1.0, **figures
    )
    audit_record(
        actor=run.started_by, action="linkage.run", purpose=QUALITY, decision="allow",
        object_type="linkagerun", object_id=run_id, extra=figures,
    )  # fmt: skip
    return figures
