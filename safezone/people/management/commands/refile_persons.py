"""manage.py refile_persons: file every person afresh under the current search keys."""

from django.core.management.base import BaseCommand
from django.db import transaction

from safezone.common.bulk import insert_values
from safezone.people.models import Person, PersonKey, PersonName
from safezone.people.services import keys_of

CHUNK = 20_000


class Command(BaseCommand):
    help = (
        "Rewrite the search keys of every person (after the name keys changed, or to repair them). "
        "Chunk by chunk, each in its own transaction: search keeps working meanwhile."
    )

    def handle(self, *args, **options):
        # Maintenance by the system, not a read for a user: names go into keys and nowhere else,
        # so no access decision or audit event applies (as for the migration that first filed them).
        total, done, last = Person.objects.count(), 0, 0
        while True:
            persons = list(Person.objects.filter(pk__gt=last).order_by("pk")[:CHUNK])
            if not persons:
                break
            last = persons[-1].pk
            names: dict[int, list] = {}
            for name in PersonName.objects.filter(person__in=persons):
                names.setdefault(name.person_id, []).append(name)
            merged: dict[int, list] = {}
            for p in Person.objects.filter(merged_into__in=persons).only("surname", "first_name", "merged_into"):
                merged.setdefault(p.merged_into_id, []).append(
                    PersonName(surname=p.surname, first_name=p.first_name, kind=PersonName.Kind.ALIAS)
                )
            rows = [
                (key, p.pk)
                for p in persons
                if p.merged_into_id is None
                for key in keys_of(p, names.get(p.pk, []) + merged.get(p.pk, []))
            ]
            with transaction.atomic():
                PersonKey.objects.filter(person_id__gte=persons[0].pk, person_id__lte=last).delete()
                insert_values(PersonKey, ["key", "person_id"], rows)
            done += len(persons)
            self.stderr.write(f"{done} of {total} persons filed")
        self.stdout.write(f"{done} persons filed under their search keys")
