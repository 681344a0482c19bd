"""The CV-only checks (portal.cv_details, review AK 3): a CV's address, religion, party, union
and family status are taken out of the text a company gets, ordinary work sentences are not."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from portal import cv_details
from portal.citizens import cv_sharing

CITIZEN = SimpleNamespace(name="Zqxnavn Olsen", phone="+45 12 34 56 78", email="zq@example.dk")


def kinds(text: str) -> set[str]:
    return {detail.kind for detail in cv_details.find(text)}


@pytest.mark.parametrize(("text", "kind"), [
    ("Adresse: Vestergade 12, 8722 Hedensted", "address"),
    ("Vestergade 12", "address"),
    ("Bor på Søndervang 3B, 1. th., 7100 Vejle", "address"),
    ("8722 Hedensted", "address"),
    ("Religion: muslim", "religion"),
    ("Jeg er muslim og beder fem gange dagligt", "religion"),
    ("Jeg er kristen og går i kirke hver søndag", "religion"),
    ("Medlem af Enhedslisten", "politics"),
    ("Aktiv i Venstre siden 2010", "politics"),
    ("Fagforening: 3F", "union"),
    ("Medlem af HK", "union"),
    ("A-kasse: Krifa", "union"),
    ("Gift, 2 børn", "family"),
    ("Civilstand: gift med Anna", "family"),
    ("Mor til tre", "family"),
    ("Jeg bor med min kone og har to børn", "family"),
    ("2021-2022: På barsel", "family"),
])
def test_the_private_lines_of_a_cv_header_are_found(text, kind):
    assert kind in kinds(text)


@pytest.mark.parametrize("text", [
    "Kirkegårdsgartner ved Hedensted Kirke i 4 år",
    "Frivillig i Kirkens Korshær",
    "Chauffør hos 3F i to år",
    "Kørte for Dansk Metal",
    "Medlem af bestyrelsen i grundejerforeningen",
    "Håndtering af gift og kemikalier i laboratoriet",
    "Pædagogmedhjælper med ansvar for 20 børn",
    "Pædagog for børn i 3-6 år",
    "2015-2019: Lagermedarbejder hos Firma N",
    "2018 Netto",
    "Barselsvikar hos Hedensted Kommune",
    "Sygeplejerske på barselsafdelingen",
    "Montering af skilte og facadeskilte",
    "Tillidsrepræsentant på lageret",
    "Kogte bønner og ris til kantinen",
    "Beder kunderne om feedback",
    "Opsætning af IP-adresser og netværk",
    "Ansvarlig for 12 medarbejdere, 3 afdelinger",
    "Træner for 12 drenge og 5 piger",
    "Referencer: Kristen Jensen, Salling",
    "Pedel ved Hedensted Kirke",
    "Kontoruddannet (HK)",
    "Kørte for Venstre Boldklub",
])
def test_ordinary_work_sentences_pass(text):
    assert kinds(text) == set()


def test_the_company_gets_the_cv_without_them_and_the_page_names_them():
    cv = SimpleNamespace(text="Adresse: Vestergade 12, 8722 Hedensted\nGift, 2 børn. Religion: muslim.\n"
                              "Medlem af Enhedslisten. Fagforening: 3F.\nLagermedarbejder hos 3F i fem år.")
    result = cv_sharing.checked(cv, CITIZEN)
    assert result.text == "Lagermedarbejder hos 3F i fem år."
    described = cv_sharing.describe(result.withheld)
    for label in cv_details.KINDS.values():
        assert label in described, label
