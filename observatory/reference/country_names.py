"""Country names as a sentence says them: « la France », « vers l'Inde », « aux Pays-Bas »,
« en Espagne », « du Maroc », « à Cuba ».

The French forms come from `data/countries_fr.csv` (one row per country of `ref.countries`:
the usual short name, its article and its preposition of place); English sentences use the
English name as it is. Every page and message that names a country in running text takes one
of these forms (`{market_to}`, `{market_in}`, …) instead of the bare name.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

ARTICLES = ("le", "la", "l'", "les", "")
PLACES = ("en", "au", "aux", "à", "à la")
# Names without an article that still elide "de": « d'Israël », « d'Oman », « d'Haïti ».
_ELIDING = frozenset("AEIOUYÂÉÈÊÎÔÛÅaeiouyéèêîôûå")
_H_MUET = ("Haïti",)


@dataclass(frozen=True)
class FrenchName:
    """One country's French forms."""

    name: str
    article: str
    place: str

    @property
    def the(self) -> str:
        """« la France », « le Maroc », « l'Inde », « les Pays-Bas », « Cuba »."""
        if self.article == "l'":
            return f"l’{self.name}"
        return f"{self.article} {self.name}" if self.article else self.name

    @property
    def of(self) -> str:
        """« de la France », « du Maroc », « de l'Inde », « des Pays-Bas », « d'Israël »."""
        if self.article == "le":
            return f"du {self.name}"
        if self.article == "les":
            return f"des {self.name}"
        if self.article:
            return f"de {self.the}"
        if self.name[0] in _ELIDING or self.name.startswith(_H_MUET):
            return f"d’{self.name}"
        return f"de {self.name}"

    @property
    def to(self) -> str:
        """« à la France », « au Maroc », « à l'Inde », « aux Pays-Bas », « à Cuba »
        (applicables à…, destinées à…)."""
        if self.article == "le":
            return f"au {self.name}"
        if self.article == "les":
            return f"aux {self.name}"
        return f"à {self.the}"

    @property
    def towards(self) -> str:
        """« vers la France », « vers le Maroc », « vers les Pays-Bas »."""
        return f"vers {self.the}"

    @property
    def in_(self) -> str:
        """« en France », « au Maroc », « aux Pays-Bas », « à Cuba », « en Israël »,
        « à la Barbade »."""
        return f"{self.place} {self.name}"

@cache
def french_names() -> dict[str, FrenchName]:
    """ISO3 → French forms, from the shipped table (checked when read)."""
    table = resources.files("observatory.reference").joinpath("data", "countries_fr.csv")
    names: dict[str, FrenchName] = {}
    with table.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if row["article"] not in ARTICLES or row["in"] not in PLACES or not row["name"]:
                raise ValueError(f"countries_fr.csv: line {line}: unexpected row {row!r}")
            names[row["iso3"]] = FrenchName(row["name"], row["article"], row["in"])
    return names


def country_forms(iso3: str, lang: str, name: str | None = None) -> dict[str, str]:
    """The forms a message takes for one country: name, the, of, to, towards, in (French
    from the table; English: the name, with the prepositions). A country missing from the
    table (a code added since) keeps `name` with neutral forms."""
    if lang == "fr":
        found = french_names().get(iso3)
        if found is not None:
            return {"name": found.name, "the": found.the, "of": found.of, "to": found.to,
                    "towards": found.towards, "in": found.in_}
        plain = name or iso3
        return {"name": plain, "the": plain, "of": f"de {plain}", "to": f"à {plain}",
                "towards": f"vers {plain}", "in": f"en {plain}"}
    plain = name or iso3
    return {"name": plain, "the": plain, "of": f"of {plain}", "to": f"to {plain}",
            "towards": f"to {plain}", "in": f"in {plain}"}
