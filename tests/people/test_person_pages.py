"""The person page: names, documents, relatives and cases, each only as far as the user may see."""

from safezone.people.models import PersonName


def test_the_person_page_shows_names_documents_and_relatives_the_user_may_see(world, client_for):
    PersonName.objects.create(person=world.maria, kind="maiden", surname="Белова")
    response = client_for(world.anna).get(f"/people/{world.maria.pk}/")
    body = response.content.decode()
    assert "Белова" in body
    assert "112-233-445 95" in body
    relatives = {other for _label, other in response.context["relations"]}
    assert relatives == {world.ivan, world.sasha}  # Elena is in a case Anna may not see


def test_the_person_page_lists_only_the_cases_the_user_may_also_see(world, client_for):
    response = client_for(world.anna).get(f"/people/{world.maria.pk}/")
    assert [case for _p, case in response.context["cases"]] == [world.case_a]
    response = client_for(world.petr).get(f"/people/{world.maria.pk}/")
    assert [case for _p, case in response.context["cases"]] == [world.case_d]


def test_relations_read_the_right_way_round(world, client_for):
    from safezone.people.models import Relation

    # Maria is recorded as Sasha's parent: on Sasha's page Maria is "parent", on Maria's Sasha is "child".
    child_view = client_for(world.anna).get(f"/people/{world.sasha.pk}/").context["relations"]
    assert [(str(label), other) for label, other in child_view] == [(str(Relation.Kind.PARENT.label), world.maria)]
    mother_view = client_for(world.anna).get(f"/people/{world.maria.pk}/").context["relations"]
    assert (str(Relation.INVERSE["parent"]), world.sasha) in [(str(label), other) for label, other in mother_view]


def test_a_one_letter_search_asks_for_more(world, client_for):
    response = client_for(world.anna).get("/cases/intake/persons/?surname=К")
    assert response.context["results"] is None
