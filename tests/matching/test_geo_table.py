"""The postcode table: reading an operator's file (MATCHING_POSTCODES), installing it where
every importer sees it, and recording it with the index so a change rebuilds it."""
from __future__ import annotations

import uuid

import pytest

from matching import geo
from matching.backends import make_backend
from matching.encoders import HashingEncoder
from matching.geo import POSTCODES, TOWNS, PostcodeTableError, read_postcodes
from matching.index_meta import encoder_meta, mismatch

AARHUS = "postnr;bynavn;lat;lon\n8000;Aarhus C;56,15;10,20\n8200;Aarhus N;56,19;10,19\n"


@pytest.fixture(autouse=True)
def builtin_table_afterwards():
    yield
    geo.install_postcodes(None)


@pytest.mark.parametrize("text", [
    AARHUS,
    "postcode,town,lat,lon\n8000,Aarhus C,56.15,10.20\n8200,Aarhus N,56.19,10.19\n",
    "postnr\tbynavn\tlat\tlon\n8000\tAarhus C\t56,15\t10,20\n8200\tAarhus N\t56.19\t10.19\n",
    "8000;Aarhus C;56.15;10.20\r\n\r\n8200;Aarhus N;56.19;10.19\r\n",  # no header, blank line, CRLF
    "\ufeff" + AARHUS,  # Excel's byte-order mark
    # Named columns in another order, with columns of their own (DAWA's names): those are ignored.
    "nr,navn,stormodtager,visueltcenter_x,visueltcenter_y\n8000,Aarhus C,false,10.20,56.15\n"
    "8200,Aarhus N,false,10.19,56.19\n",
])
def test_a_good_file_reads_as_postcode_town_and_coordinates(text):
    assert dict(read_postcodes(text)) == {"8000": ("Aarhus C", 56.15, 10.20), "8200": ("Aarhus N", 56.19, 10.19)}


def test_a_quoted_town_may_hold_the_separator_and_spaces_are_collapsed():
    table = read_postcodes('8000,"Aarhus  C, centrum",56.15,10.20\n')
    assert table["8000"] == ("Aarhus C, centrum", 56.15, 10.20)


@pytest.mark.parametrize("text, problem", [
    ("", "the file holds no postcodes"),
    ("  \n\n", "the file holds no postcodes"),
    ("postnr;bynavn;lat;lon\n", "the file holds a header but no postcodes"),
    ("postnr;bynavn;lat\n8000;Aarhus C;56.15\n", "line 1: the header has no column lon"),
    ("8000;Aarhus C;56.15\n", "line 1: 3 fields where 4 are expected"),
    ("8000;Aarhus C;56.15;10.20\n800;Aarhus;56.15;10.20\n", "line 2: postcode '800' is not four digits"),
    ("8000;Aarhus C;56.15;10.20\n8200;;56.19;10.19\n", "line 2: postcode 8200 has no town"),
    ("8000;Aarhus C;56.15;10.20\n8200;Aarhus N;nord;10.19\n", "line 2: lat 'nord' of 8200 is not a number"),
    ("8000;Aarhus C;56.15;10.20\n8200;Aarhus N;10.19;56.19\n", "line 2: lat 10.19 of 8200 is outside Denmark"),
    ("8000;Aarhus C;56.15;10.20\n8200;Aarhus N;56.19;-3\n", "line 2: lon -3 of 8200 is outside Denmark"),
    ("8000;Aarhus C;56.15;10.20\n8200;Aarhus N;nan;10.19\n", "line 2: lat 'nan' of 8200 is not a number"),
    ("x;by;lat;lon\n8000;Aarhus C;56.15;10.20\n\n8000;Aarhus;56.15;10.20\n",
     "line 4: postcode 8000 is already on line 2"),
])
def test_a_bad_file_is_refused_saying_which_line_and_why(text, problem):
    if text.startswith("x;"):  # a header must name its columns
        with pytest.raises(PostcodeTableError, match="the header has no column postcode"):
            read_postcodes(text)
        text = "postnr" + text[1:]
    with pytest.raises(PostcodeTableError) as caught:
        read_postcodes(text)
    assert problem in str(caught.value)


def test_every_bad_line_is_named_at_once():
    with pytest.raises(PostcodeTableError) as caught:
        read_postcodes("8000;Aarhus C;56.15;10.20\n12;A;56;10\n8000;B;56;10\n")
    assert "line 2: postcode '12'" in str(caught.value) and "line 3: postcode 8000 is already on line 1" \
        in str(caught.value)


def test_a_file_that_is_missing_or_not_utf8_is_refused(tmp_path):
    with pytest.raises(PostcodeTableError, match="cannot read"):
        geo.load_postcodes(tmp_path / "postnumre.csv")
    path = tmp_path / "latin1.csv"
    path.write_bytes("8000;Aarhus C;56.15;10.20\n8800;Viborg;56.45;9.40\n8450;Hammel;56.26;9.86\n9000;Ålborg;57.05;9.92\n"
                     .encode("latin-1"))
    with pytest.raises(PostcodeTableError, match="line 4: the file is not UTF-8"):
        geo.load_postcodes(path)
    path.write_text(AARHUS, encoding="utf-8")
    assert list(geo.load_postcodes(path)) == ["8000", "8200"]


def test_installing_a_table_changes_what_every_importer_already_holds():
    held_postcodes, held_towns = POSTCODES, TOWNS  # as `from matching.geo import POSTCODES` holds it
    geo.install_postcodes(read_postcodes(AARHUS))
    assert dict(held_postcodes) == {"8000": ("Aarhus C", 56.15, 10.20), "8200": ("Aarhus N", 56.19, 10.19)}
    assert dict(held_towns) == {"aarhus c": (56.15, 10.20), "aarhus n": (56.19, 10.19)}
    assert geo.postcode_location("8200") == (56.19, 10.19)
    with pytest.raises(geo.UnknownPostcode):
        geo.postcode_location("8722")
    with pytest.raises(TypeError):
        held_postcodes["8722"] = ("Hedensted", 55.77, 9.70)  # read-only for importers


def test_the_builtin_table_is_the_default_and_comes_back_exactly():
    before = (dict(POSTCODES), dict(TOWNS))
    assert len(POSTCODES) == 13 and POSTCODES["8722"] == ("Hedensted", 55.77, 9.70)
    assert TOWNS["glud"] == (55.75, 9.97) and geo.is_builtin() and geo.table_version() is None
    geo.install_postcodes(read_postcodes(AARHUS))
    assert not geo.is_builtin() and geo.table_version() is not None
    geo.install_postcodes(None)
    assert (dict(POSTCODES), dict(TOWNS)) == before and geo.table_version() is None


def test_the_fingerprint_follows_the_content_not_the_order():
    one = read_postcodes(AARHUS)
    swapped = read_postcodes("8200;Aarhus N;56.19;10.19\n8000;Aarhus C;56.15;10.20\n")
    moved = read_postcodes("8000;Aarhus C;56.15;10.21\n8200;Aarhus N;56.19;10.19\n")
    assert geo.table_fingerprint(one) == geo.table_fingerprint(swapped) != geo.table_fingerprint(moved)


@pytest.fixture(params=["memory", "elasticsearch"])
def backend(request):
    if request.param == "memory":
        return make_backend("memory")
    return make_backend("elasticsearch", url=request.getfixturevalue("es_url"), dims=64,
                        prefix=f"geo{uuid.uuid4().hex[:8]}", refresh=True, request_timeout=10.0)


def test_an_index_built_with_another_table_must_be_rebuilt(backend):
    encoder = HashingEncoder(64)
    backend.set_index_meta("citizen", encoder_meta(encoder))  # built with the built-in table
    assert mismatch(backend, encoder, "citizen") is None
    geo.install_postcodes(read_postcodes(AARHUS))
    problem = mismatch(backend, encoder, "citizen")
    assert problem is not None and "another postcode table" in str(problem)
    backend.set_index_meta("citizen", encoder_meta(encoder))  # rebuilt with the file's table
    assert mismatch(backend, encoder, "citizen") is None
    geo.install_postcodes(None)  # back to the built-in table: rebuilt again
    assert "another postcode table" in str(mismatch(backend, encoder, "citizen"))


def test_an_index_recorded_before_tables_could_be_chosen_fits_the_builtin_table():
    encoder = HashingEncoder(64)
    backend = make_backend("memory")
    assert "postcodes" not in encoder_meta(encoder)  # nothing new recorded for the built-in table
    backend.set_index_meta("citizen", encoder_meta(encoder))
    assert mismatch(backend, encoder, "citizen") is None
    geo.install_postcodes(read_postcodes(AARHUS))
    assert encoder_meta(encoder)["postcodes"] == geo.table_version()


def test_a_profile_with_coordinates_is_placed_by_them_and_only_one_without_reads_the_table(monkeypatch):
    """Review BN 15: the ranking places a profile by its own coordinates (``store.profiles``
    fills them when it builds one); the installed table is the fallback of a profile built by
    hand without them (tests, benchmarks, tools)."""
    from matching.domain import OpeningProfile
    from matching.ranking import known_location, location

    placed = OpeningProfile("o", 1, "f", "smaajob", "Lager", postcode="8722", lat=56.15, lon=10.20)
    by_hand = OpeningProfile("o", 1, "f", "smaajob", "Lager", postcode="8722")
    assert location(by_hand) == (55.77, 9.70)  # the built-in table's Hedensted
    geo.install_postcodes(read_postcodes(AARHUS))
    assert known_location(by_hand) is None  # not in the installed table: location unknown
    monkeypatch.setattr(geo, "postcode_location", lambda code: pytest.fail("the table was read"))
    assert location(placed) == known_location(placed) == (56.15, 10.20)
