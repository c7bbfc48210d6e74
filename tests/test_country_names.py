"""French country names in sentences: article, contraction and preposition, checked against
forms written by hand (not derived from the table), and the table covers every country."""

from __future__ import annotations

import pytest

from observatory.reference.countries import build_countries
from observatory.reference.country_names import country_forms, french_names


@pytest.mark.parametrize(("iso3", "the", "of", "to", "towards", "in_"), [
    ("FRA", "la France", "de la France", "à la France", "vers la France", "en France"),
    ("MAR", "le Maroc", "du Maroc", "au Maroc", "vers le Maroc", "au Maroc"),
    ("IND", "l’Inde", "de l’Inde", "à l’Inde", "vers l’Inde", "en Inde"),
    ("NLD", "les Pays-Bas", "des Pays-Bas", "aux Pays-Bas", "vers les Pays-Bas",
     "aux Pays-Bas"),
    ("USA", "les États-Unis", "des États-Unis", "aux États-Unis", "vers les États-Unis",
     "aux États-Unis"),
    ("ESP", "l’Espagne", "de l’Espagne", "à l’Espagne", "vers l’Espagne", "en Espagne"),
    ("CUB", "Cuba", "de Cuba", "à Cuba", "vers Cuba", "à Cuba"),
    ("ISR", "Israël", "d’Israël", "à Israël", "vers Israël", "en Israël"),
    ("HTI", "Haïti", "d’Haïti", "à Haïti", "vers Haïti", "à Haïti"),
    ("MEX", "le Mexique", "du Mexique", "au Mexique", "vers le Mexique", "au Mexique"),
    ("YEM", "le Yémen", "du Yémen", "au Yémen", "vers le Yémen", "au Yémen"),
    ("KOR", "la Corée du Sud", "de la Corée du Sud", "à la Corée du Sud",
     "vers la Corée du Sud", "en Corée du Sud"),
    ("IRN", "l’Iran", "de l’Iran", "à l’Iran", "vers l’Iran", "en Iran"),
    ("CIV", "la Côte d'Ivoire", "de la Côte d'Ivoire", "à la Côte d'Ivoire",
     "vers la Côte d'Ivoire", "en Côte d'Ivoire"),
    ("BRB", "la Barbade", "de la Barbade", "à la Barbade", "vers la Barbade",
     "à la Barbade"),
    ("GBR", "le Royaume-Uni", "du Royaume-Uni", "au Royaume-Uni", "vers le Royaume-Uni",
     "au Royaume-Uni"),
    ("ARE", "les Émirats arabes unis", "des Émirats arabes unis", "aux Émirats arabes unis",
     "vers les Émirats arabes unis", "aux Émirats arabes unis"),
    ("HND", "le Honduras", "du Honduras", "au Honduras", "vers le Honduras", "au Honduras"),
])
def test_french_forms(iso3: str, the: str, of: str, to: str, towards: str, in_: str) -> None:
    forms = country_forms(iso3, "fr")
    assert (forms["the"], forms["of"], forms["to"], forms["towards"], forms["in"]) == (
        the, of, to, towards, in_)


def test_every_country_has_its_french_forms_and_a_usual_name() -> None:
    names = french_names()
    codes = set(build_countries()["iso3"])
    assert codes <= set(names)
    # The ISO list's inverted forms ("Corée, République de") never reach a sentence.
    assert not [n.name for n in names.values() if ", " in n.name and "Saba" not in n.name]


def test_english_and_unknown_codes_keep_the_name() -> None:
    assert country_forms("FRA", "en", "France")["towards"] == "to France"
    assert country_forms("XXA", "fr", "Zone franche")["of"] == "de Zone franche"
