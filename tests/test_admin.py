"""Django admin: reference data for administrators, nothing for anyone else."""

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/admin/directory/territory/",
        "/admin/directory/agency/",
        "/admin/cases/violenceform/",
        "/admin/accounts/user/",
        "/admin/accounts/membership/",
    ],
)
def test_an_administrator_manages_reference_data_in_admin(world, client_for, path):
    assert client_for(world.root).get(path).status_code == 200


def test_staff_without_the_administrator_flag_cannot_enter_admin(world, client_for):
    response = client_for(world.anna).get("/admin/directory/agency/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_audit_log_in_admin_is_read_only(world, client_for):
    from safezone.audit.services import audit_record

    event = audit_record(actor=world.anna, action="case.view")
    client = client_for(world.root)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    page = client.get(f"/admin/audit/auditevent/{event.seq}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(f"/admin/audit/auditevent/{event.seq}/delete/", {"post": "yes"}).status_code == 403
