"""Batch linkage over the register: the persons go through the model and the likely pairs wait on
the steward's queue; a second run proposes nothing twice."""

from django.core.management import call_command

from safezone.linkage.models import CandidatePair
from safezone.linkage.synthetic import records, true_pairs
from tests.linkage.conftest import register_rows


def test_the_register_is_linked_onto_the_review_queue_once(db, tmp_path, settings):
    settings.SAFEZONE_LINKAGE_MODEL = tmp_path / "model.json"
    rows, truth = records(2000, seed=5)
    ids = register_rows(rows)
    call_command("link_persons")
    assert settings.SAFEZONE_LINKAGE_MODEL.exists()  # trained on the register and saved, with its version
    queued = {(p.left_id, p.right_id) for p in CandidatePair.objects.all()}
    expected = {tuple(sorted((ids[a], ids[b]))) for a, b in true_pairs(truth)}
    hits = len(queued & expected)
    assert hits / len(expected) >= 0.85 and hits / len(queued) >= 0.9
    assert all(p.status == "pending" for p in CandidatePair.objects.all())
    CandidatePair.objects.filter(pk=CandidatePair.objects.first().pk).update(status="non_match")
    call_command("link_persons")  # the saved model, the same pairs: nothing new, the decision kept
    assert CandidatePair.objects.count() == len(queued)
    assert CandidatePair.objects.filter(status="non_match").count() == 1
