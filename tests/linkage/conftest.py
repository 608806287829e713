"""Fixtures of the linkage tests: a data steward of the regional department."""

import datetime as dt

import pytest

from safezone.accounts.models import Membership, Role, User
from safezone.accounts.services import totp_activate, totp_secret_for
from safezone.people.models import Identifier, Person
from safezone.people.services import PersonBatch, persons_bulk_create


@pytest.fixture
def steward(world):
    user = User.objects.create(username="stew", first_name="Стюард")
    Membership.objects.create(
        user=user,
        agency=world.department,
        role=Role.DATA_STEWARD,
        dp_training_on=dt.date.today() - dt.timedelta(days=9),
    )
    totp_activate(user=user, secret=totp_secret_for("stew", "world"))
    return user


def register_rows(rows) -> dict[str, int]:
    """The synthetic records as person records of the register; their ids by record id."""
    batch = PersonBatch()
    for row in rows:
        year, month, day = (
            ([int(x) for x in row["birth_date"].split("-")] + [None, None, None])[:3]
            if row["birth_date"]
            else (None, None, None)
        )
        batch.persons.append(
            Person(
                surname=row["surname"] or "—",
                first_name=row["first_name"] or "—",
                patronymic=row["patronymic"],
                sex=row["sex"] or "U",
                birth_year=year,
                birth_month=month,
                birth_day=day,
            )
        )
        digits = "".join(ch for ch in row["snils"] if ch.isdigit())
        if digits:
            batch.identifiers.append((len(batch.persons) - 1, Identifier(kind="snils", value=digits)))
    persons = persons_bulk_create(batch=batch)
    return {row["id"]: person.pk for row, person in zip(rows, persons)}
