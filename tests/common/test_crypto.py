"""Encryption at rest: where the keys come from, encrypted fields, and rotating keys."""

import io
import stat
from types import SimpleNamespace

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction
from django.db.migrations.writer import MigrationWriter
from simple_history.models import HistoricalRecords

from safezone.access.management.commands import rotate_keys
from safezone.audit.models import AuditEvent
from safezone.common import bulk, crypto
from safezone.common.fields import EncryptedTextField

SECRET = "He said he would burn the flat at 12 Lenina St."


class Tracked(models.Model):
    # inherit=True is simple-history's way for a model outside an installed app to have history.
    history = HistoricalRecords(inherit=True, app="common_tests")

    class Meta:
        abstract = True


class Note(Tracked):
    """A test-only row with one encrypted column; its table exists only inside `note_tables`."""

    body = EncryptedTextField(blank=True, null=True)

    class Meta:
        app_label = "common_tests"

    def __str__(self) -> str:
        return f"note {self.pk}"


HistoricalNote = Note.history.model


def new_key() -> str:
    return Fernet.generate_key().decode()


def opens_with(key: str, token: str) -> bool:
    try:
        Fernet(key).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


@pytest.fixture(autouse=True)
def key_file(settings, tmp_path, monkeypatch):
    """No test here touches the real keys: none in the environment, the key file in tmp_path."""
    monkeypatch.delenv(crypto.ENV_VAR, raising=False)
    settings.VAR_DIR = tmp_path
    crypto.reset_keys()
    yield tmp_path / crypto.FILE_NAME
    crypto.reset_keys()


def write_keys(path, *keys):
    path.write_text("".join(k + "\n" for k in keys))
    crypto.reset_keys()


def raw_body(model, pk):
    """The column exactly as the database holds it."""
    table, column = model._meta.db_table, model._meta.get_field("body").column
    pk_column = model._meta.pk.column
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {q(column)} FROM {q(table)} WHERE {q(pk_column)} = %s", [pk])
        return cursor.fetchone()[0]


def rotate_keys_command(*args) -> str:
    out = io.StringIO()
    call_command("rotate_keys", *args, verbosity=0, stdout=out)
    return out.getvalue()


# Keys


def test_a_key_file_is_generated_on_first_use_readable_by_the_owner_only(key_file):
    assert not key_file.exists()
    token = crypto.encrypt(SECRET)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    (key,) = key_file.read_text().split()
    assert opens_with(key, token)


def test_an_existing_key_file_is_used_newest_key_first(key_file):
    newer, older = new_key(), new_key()
    write_keys(key_file, newer, "", older)
    assert opens_with(newer, crypto.encrypt(SECRET))
    assert crypto.decrypt(Fernet(older).encrypt(SECRET.encode()).decode()) == SECRET


def test_keys_in_the_environment_win_over_the_file_and_no_file_is_written(key_file, monkeypatch):
    newer, older = new_key(), new_key()
    monkeypatch.setenv(crypto.ENV_VAR, f"{newer}, {older}")
    crypto.reset_keys()
    assert opens_with(newer, crypto.encrypt(SECRET))
    assert crypto.decrypt(Fernet(older).encrypt(SECRET.encode()).decode()) == SECRET
    assert not key_file.exists()


def test_a_malformed_key_in_the_environment_is_named_by_position_but_not_shown(monkeypatch):
    bad = new_key()[:-2] + "="
    monkeypatch.setenv(crypto.ENV_VAR, f"{new_key()},{bad}")
    crypto.reset_keys()
    with pytest.raises(ImproperlyConfigured) as caught:
        crypto.encrypt(SECRET)
    message = str(caught.value)
    assert f"{crypto.ENV_VAR} key 2 is not a Fernet key" in message
    assert bad not in message and bad[:20] not in message
    assert "\n" not in message


def test_a_malformed_key_in_the_file_is_named_by_path_and_line_but_not_shown(key_file):
    good = new_key()
    bad = good.replace(good[5], "!" if good[5] != "!" else "?")
    write_keys(key_file, good, bad)
    with pytest.raises(ImproperlyConfigured) as caught:
        crypto.fernet()
    message = str(caught.value)
    assert f"{key_file} line 2 is not a Fernet key" in message
    assert bad not in message and good not in message


def test_a_key_file_without_keys_is_refused_not_refilled(key_file):
    write_keys(key_file, "")
    with pytest.raises(ImproperlyConfigured, match="holds no Fernet key"):
        crypto.fernet()
    assert key_file.read_text() == "\n"


def test_a_new_key_goes_first_and_old_values_stay_readable(key_file):
    old = new_key()
    write_keys(key_file, old)
    token = crypto.encrypt(SECRET)
    crypto.add_new_key()
    newest, *rest = key_file.read_text().split()
    assert rest == [old] and newest != old
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert crypto.decrypt(token) == SECRET
    assert opens_with(newest, crypto.encrypt(SECRET))


def test_a_new_key_cannot_be_added_to_keys_from_the_environment(key_file, monkeypatch):
    monkeypatch.setenv(crypto.ENV_VAR, new_key())
    crypto.reset_keys()
    with pytest.raises(ImproperlyConfigured, match=f"put a new key first in {crypto.ENV_VAR}"):
        crypto.add_new_key()
    assert not key_file.exists()


def test_a_running_process_picks_up_a_key_added_by_another(key_file):
    old = new_key()
    write_keys(key_file, old)
    crypto.fernet()
    newer = new_key()
    key_file.write_text(f"{newer}\n{old}\n")  # as rotate_keys in another process would
    assert opens_with(newer, crypto.encrypt(SECRET))


def test_rotating_makes_an_old_token_open_with_the_newest_key_and_is_then_a_no_op(key_file):
    old, newer = new_key(), new_key()
    token = Fernet(old).encrypt(SECRET.encode()).decode()
    write_keys(key_file, newer, old)
    rotated = crypto.rotate(token)
    assert opens_with(newer, rotated) and not opens_with(old, rotated)
    assert crypto.decrypt(rotated) == SECRET
    assert crypto.rotate(rotated) == rotated


@pytest.mark.parametrize("stored", ["never encrypted", "foreign key"])
def test_a_value_no_key_opens_is_unreadable_and_not_quoted(stored):
    token = stored if stored == "never encrypted" else Fernet(new_key()).encrypt(SECRET.encode()).decode()
    for call in (crypto.decrypt, crypto.rotate):
        with pytest.raises(crypto.UnreadableCiphertext) as caught:
            call(token)
        assert isinstance(caught.value, ValueError)
        assert token not in str(caught.value)


# The field


def test_a_value_is_encrypted_on_the_way_in_and_decrypted_on_the_way_out():
    field = Note._meta.get_field("body")
    token = field.get_prep_value(SECRET)
    assert SECRET not in token
    assert field.from_db_value(token, None, connection) == SECRET


def test_blank_and_null_are_stored_as_they_are_and_need_no_key(key_file):
    field = Note._meta.get_field("body")
    for value in ("", None):
        assert field.get_prep_value(value) == value
        assert field.from_db_value(value, None, connection) == value
        assert field.to_python(value) == value
    assert not key_file.exists()


def test_to_python_keeps_clear_text_as_it_is():
    field = Note._meta.get_field("body")
    token = crypto.encrypt(SECRET)
    assert field.to_python(token) == token
    assert field.to_python(42) == "42"


def test_the_field_deconstructs_without_keys_or_extra_arguments(key_file):
    field = EncryptedTextField(blank=True)
    before = field.deconstruct()[1:]
    crypto.add_new_key()
    assert field.deconstruct()[1:] == before == ("safezone.common.fields.EncryptedTextField", [], {"blank": True})
    assert MigrationWriter.serialize(field)[0] == "safezone.common.fields.EncryptedTextField(blank=True)"


@pytest.mark.parametrize("lookup", ["body", "body__exact", "body__contains", "body__icontains", "body__lower"])
def test_encrypted_text_cannot_be_searched(lookup):
    with pytest.raises(FieldError, match="common_tests.Note.body is encrypted"):
        Note.objects.filter(**{lookup: "flat"})


def test_encrypted_text_can_be_asked_whether_it_is_null():
    assert "IS NULL" in str(Note.objects.filter(body__isnull=True).query)


def test_history_rows_keep_the_encrypted_field():
    assert isinstance(HistoricalNote._meta.get_field("body"), EncryptedTextField)


# In the database (a table of our own, made and dropped around each test)


@pytest.fixture
def note_tables(transactional_db):
    with connection.schema_editor() as editor:
        editor.create_model(Note)
        editor.create_model(HistoricalNote)
    yield
    # Before the flush that ends a transactional test: the history table points at the users.
    with connection.schema_editor() as editor:
        editor.delete_model(HistoricalNote)
        editor.delete_model(Note)


@pytest.fixture
def only_notes(monkeypatch):
    """rotate_keys sees the note tables and the audit log (no encrypted fields), nothing else.

    The fixture world is encrypted with the real keys, which these tests replace.
    """
    registry = SimpleNamespace(get_models=lambda: [AuditEvent, Note, HistoricalNote])
    monkeypatch.setattr(rotate_keys, "apps", registry)


def test_a_value_is_never_stored_in_clear(note_tables):
    note = Note.objects.create(body=SECRET)
    assert SECRET not in raw_body(Note, note.pk)
    assert Note.objects.get(pk=note.pk).body == SECRET
    assert Note.objects.values_list("body", flat=True).get(pk=note.pk) == SECRET

    Note.objects.filter(pk=note.pk).update(body=SECRET + " Again.")
    assert "Again" not in raw_body(Note, note.pk)
    assert Note.objects.get(pk=note.pk).body == SECRET + " Again."

    history = HistoricalNote.objects.get(id=note.pk)
    assert SECRET not in raw_body(HistoricalNote, history.pk)
    assert history.body == SECRET


def test_blank_and_null_reach_the_table_as_they_are(note_tables):
    blank, null = Note.objects.create(body=""), Note.objects.create(body=None)
    assert raw_body(Note, blank.pk) == ""
    assert raw_body(Note, null.pk) is None
    assert list(Note.objects.filter(body__isnull=True).values_list("pk", flat=True)) == [null.pk]


def test_bulk_insert_never_stores_clear_text(note_tables):
    with transaction.atomic():
        (note,) = bulk.insert_with_history(Note, [Note(body=SECRET)])
    assert SECRET not in raw_body(Note, note.pk)
    assert SECRET not in raw_body(HistoricalNote, HistoricalNote.objects.get(id=note.pk).pk)


def test_rotate_keys_reencrypts_old_values_with_a_new_key_and_a_second_run_changes_nothing(
    note_tables, only_notes, key_file
):
    old = new_key()
    write_keys(key_file, old)
    notes = [Note.objects.create(body=text) for text in (SECRET, "Child seen at school", "", None)]

    assert rotate_keys_command() == "rotated 4 values in 2 models\n"  # two notes and their history rows

    newest = key_file.read_text().split()[0]
    assert newest != old
    for model, pk in [(Note, n.pk) for n in notes] + [(HistoricalNote, h.pk) for h in HistoricalNote.objects.all()]:
        raw = raw_body(model, pk)
        assert raw in ("", None) or (opens_with(newest, raw) and not opens_with(old, raw))
    assert [Note.objects.get(pk=n.pk).body for n in notes] == [SECRET, "Child seen at school", "", None]

    before = [raw_body(Note, n.pk) for n in notes]
    assert rotate_keys_command("--no-new-key") == "rotated 0 values in 2 models\n"
    assert [raw_body(Note, n.pk) for n in notes] == before


def test_rotate_keys_shows_progress_on_stderr(note_tables, only_notes, capsys):
    Note.objects.create(body=SECRET)
    call_command("rotate_keys", stdout=io.StringIO())
    assert "rotating" in capsys.readouterr().err


def test_rotate_keys_can_drop_the_old_keys_once_everything_is_rotated(note_tables, only_notes, key_file):
    old = new_key()
    write_keys(key_file, old)
    note = Note.objects.create(body=SECRET)

    out = rotate_keys_command("--drop-old-keys", "--batch-size", "1")

    assert out.splitlines() == ["rotated 2 values in 2 models", f"kept only the newest key in {key_file}"]
    (newest,) = key_file.read_text().split()
    assert newest != old
    assert opens_with(newest, raw_body(Note, note.pk))
    assert Note.objects.get(pk=note.pk).body == SECRET


def test_rotate_keys_refuses_to_drop_keys_that_come_from_the_environment(note_tables, only_notes, monkeypatch):
    monkeypatch.setenv(crypto.ENV_VAR, new_key())
    crypto.reset_keys()
    note = Note.objects.create(body=SECRET)
    before = raw_body(Note, note.pk)
    with pytest.raises(CommandError, match=f"remove the old keys from {crypto.ENV_VAR} yourself"):
        rotate_keys_command("--no-new-key", "--drop-old-keys")
    assert raw_body(Note, note.pk) == before


def test_rotate_keys_explains_how_to_add_a_key_that_comes_from_the_environment(note_tables, only_notes, monkeypatch):
    monkeypatch.setenv(crypto.ENV_VAR, new_key())
    crypto.reset_keys()
    with pytest.raises(CommandError, match=f"put a new key first in {crypto.ENV_VAR}"):
        rotate_keys_command()


def test_rotate_keys_stops_at_an_unreadable_value_and_leaves_its_batch_alone(note_tables, only_notes, key_file):
    old = new_key()
    write_keys(key_file, old)
    first, second, third = (Note.objects.create(body=text) for text in ("first", "second", "third"))
    lost = Note.objects.create(body="")  # written with a key since lost:
    lost_token = Fernet(new_key()).encrypt(SECRET.encode()).decode()
    Note.objects.filter(pk=lost.pk).update(body=models.Value(lost_token, output_field=models.TextField()))
    before = raw_body(Note, third.pk)

    with pytest.raises(CommandError) as caught:
        rotate_keys_command("--batch-size", "2")

    message = str(caught.value)
    assert f"common_tests.Note.body pk={lost.pk}" in message
    assert lost_token not in message
    newest = key_file.read_text().split()[0]
    assert opens_with(newest, raw_body(Note, first.pk)) and opens_with(newest, raw_body(Note, second.pk))
    assert raw_body(Note, third.pk) == before  # in the unreadable value's batch
    assert raw_body(Note, lost.pk) == lost_token
