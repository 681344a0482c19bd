"""The CV file store (portal.files) is the one owner of UPLOAD_FOLDER (review BN 10): a file a row
names is deleted only after the commit that forgets the row succeeds, never on a rollback or a
failed commit; one path rule refuses any name that is not a plain file in the folder."""
from __future__ import annotations

import ast
import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from portal import files
from portal.extensions import db
from store.models import Citizen, Company

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def store(app):
    with app.app_context():
        yield files.current()


def _saved(store: files.FileStore, text: str = "CV") -> str:
    return store.save(text.encode(), "txt")


def test_the_app_store_is_the_upload_folder_and_follows_the_setting(app, tmp_path):
    with app.app_context():
        assert files.current().folder == Path(app.config["UPLOAD_FOLDER"])
        app.config["UPLOAD_FOLDER"] = str(tmp_path / "elsewhere")  # as the e2e server is pointed
        assert files.current().folder == tmp_path / "elsewhere"


def test_save_writes_an_owner_only_file_under_a_generated_name(store):
    name = _saved(store, "Anna's CV")
    path = store.path(name)
    assert path.parent == store.folder and path.read_text() == "Anna's CV"
    assert name.endswith(".txt") and len(name) == 32 + 4
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _saved(store) != name
    with pytest.raises(files.UnsafeName):
        store.save(b"x", "../txt")


def test_a_file_is_deleted_only_after_the_commit_succeeds(store):
    name = _saved(store)
    db.session.add(Company(name="Firma", cvr="11112222", postcode="8722"))
    store.delete_after_commit(db.session, [name])
    db.session.flush()
    assert store.exists(name)  # not before the commit
    db.session.commit()
    assert not store.exists(name)


def test_a_rollback_keeps_the_file_and_forgets_the_deletion(store):
    name = _saved(store)
    db.session.add(Company(name="Firma", cvr="11112222", postcode="8722"))
    store.delete_after_commit(db.session, [name])
    db.session.rollback()
    assert store.exists(name)
    db.session.add(Company(name="Andet firma", cvr="33334444", postcode="8722"))
    db.session.commit()  # a later transaction does not carry the forgotten deletion
    assert store.exists(name)


def test_a_failed_commit_keeps_the_file(store):
    name = _saved(store)
    db.session.add(Citizen(name=None, benefit_group="kontanthjaelp"))  # NOT NULL: the commit fails
    store.delete_after_commit(db.session, [name])
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    assert store.exists(name)
    db.session.rollback()
    db.session.commit()
    assert store.exists(name)


def test_a_savepoint_rolled_back_keeps_the_deletion_of_the_whole_transaction(store):
    name = _saved(store)
    db.session.add(Company(name="Firma", cvr="11112222", postcode="8722"))
    store.delete_after_commit(db.session, [name])
    with db.session.begin_nested() as savepoint:
        db.session.add(Company(name="Andet firma", cvr="33334444", postcode="8722"))
        savepoint.rollback()
    db.session.commit()
    assert not store.exists(name)


def test_a_deletion_queued_in_a_savepoint_that_rolls_back_is_kept(store):
    name = _saved(store)
    db.session.add(Company(name="Firma", cvr="11112222", postcode="8722"))
    with db.session.begin_nested() as savepoint:
        store.delete_after_commit(db.session, [name])  # the row naming it is forgotten here ...
        savepoint.rollback()  # ... and back
    db.session.commit()
    assert store.exists(name)


def test_a_released_savepoint_deletes_nothing_before_the_outer_commit(store):
    # SQLAlchemy fires after_commit when a savepoint is released too (review BT 1).
    before, inside = _saved(store), _saved(store)
    db.session.add(Company(name="Firma", cvr="11112222", postcode="8722"))
    store.delete_after_commit(db.session, [before])
    with db.session.begin_nested():
        db.session.add(Company(name="Andet firma", cvr="33334444", postcode="8722"))
        store.delete_after_commit(db.session, [inside])
    assert store.exists(before) and store.exists(inside)
    db.session.rollback()  # the outer transaction goes back: both rows are back
    assert store.exists(before) and store.exists(inside)


def test_a_deletion_queued_in_a_released_savepoint_happens_at_the_outer_commit(store):
    name = _saved(store)
    db.session.add(Company(name="Firma", cvr="11112222", postcode="8722"))
    with db.session.begin_nested():
        store.delete_after_commit(db.session, [name])
    assert store.exists(name)
    db.session.commit()
    assert not store.exists(name)


@pytest.mark.parametrize("name", ["../secret.txt", "..", ".", "", "sub/cv.txt", "..\\cv.txt", "/etc/passwd",
                                  "cv.txt\x00.pdf"])
def test_a_name_that_is_not_a_plain_file_in_the_folder_is_refused(store, name):
    with pytest.raises(files.UnsafeName):
        store.path(name)
    assert not store.exists(name)
    with pytest.raises(NotFound):
        store.send(name, mimetype="text/plain", download_name="cv.txt")


def test_no_name_reaches_a_file_outside_the_folder(store, tmp_path):
    store.folder.mkdir(parents=True, exist_ok=True)
    outside = tmp_path / "secret.txt"
    outside.write_text("not a CV")
    (store.folder / "link.txt").symlink_to(outside)
    for name in ("../secret.txt", str(outside), "link.txt"):
        with pytest.raises(files.UnsafeName):
            store.path(name)
        store.discard(name)
    store.delete_after_commit(db.session, ["../secret.txt", "link.txt"])
    db.session.commit()
    assert outside.read_text() == "not a CV" and (store.folder / "link.txt").is_symlink()


def test_discard_deletes_a_file_no_committed_row_names(store):
    name = _saved(store)
    store.discard(name)
    assert not store.exists(name)
    store.discard(name)  # already gone: nothing to do


def test_send_hands_out_a_stored_file_as_an_attachment(app, store):
    name = _saved(store, "Anna")
    with app.test_request_context():
        response = store.send(name, mimetype="text/plain", download_name="Anna.txt")
        response.direct_passthrough = False
        assert response.get_data() == b"Anna"
        assert "attachment" in response.headers["Content-Disposition"]
        response.close()
        with pytest.raises(NotFound):
            store.send("0" * 32 + ".txt", mimetype="text/plain", download_name="x.txt")


# portal.config builds the setting; portal.files is its one reader.
OWNERS = {"portal/config.py", "portal/files.py"}


def _reads_upload_folder(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                and node.slice.value == "UPLOAD_FOLDER":
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == "UPLOAD_FOLDER":
            return True
    return False


def test_no_module_outside_the_file_store_reads_upload_folder():
    readers = set()
    for path in (ROOT / "portal").rglob("*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative not in OWNERS and _reads_upload_folder(ast.parse(path.read_text(encoding="utf-8"))):
            readers.add(relative)
    assert readers == set(), "read the CV files through portal.files.current(), not UPLOAD_FOLDER"


def test_the_reader_check_sees_a_read():
    assert _reads_upload_folder(ast.parse('folder = current_app.config["UPLOAD_FOLDER"]'))
    assert _reads_upload_folder(ast.parse('folder = app.config.get("UPLOAD_FOLDER")'))
    assert not _reads_upload_folder(ast.parse('config = {"UPLOAD_FOLDER": "x"}'))


def test_the_store_file_mode_is_not_the_umask(store):
    old = os.umask(0)
    try:
        assert stat.S_IMODE(store.path(_saved(store)).stat().st_mode) == 0o600
    finally:
        os.umask(old)
