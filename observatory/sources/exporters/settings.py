"""The exporter source's names: its profiles (one per kind of file), the columns of each
kind and the header spellings understood (English, French, the customs' own)."""

from __future__ import annotations

SOURCE = "exporters"
EXPORTS, REGISTRY, PROGRAM = "exports", "registry", "program"
KINDS = (EXPORTS, REGISTRY, PROGRAM)
# `observatory ingest file PATH --profile <profile>`
PROFILES = {"exporter_exports": EXPORTS, "exporter_registry": REGISTRY,
            "exporter_program": PROGRAM}

COLUMNS = {
    EXPORTS: ("exporter_id", "period", "product_code", "destination", "value_national",
              "net_mass_kg"),
    REGISTRY: ("exporter_id", "legal_form", "region", "province", "sector", "size_class",
               "creation_year"),
    PROGRAM: ("exporter_id", "application_date", "status", "cohort", "support_kind",
              "support_amount"),
}
# Columns a file may lack (read as empty).
OPTIONAL = {EXPORTS: ("net_mass_kg",), REGISTRY: ("region", "province", "sector",
                                                   "size_class", "creation_year"),
            PROGRAM: ("application_date", "support_kind", "support_amount")}
RAW_TABLE = {EXPORTS: "raw.fabric_export_lines", REGISTRY: "raw.fabric_registry_lines",
             PROGRAM: "raw.fabric_program_lines"}

# Header spellings, once lower-cased, accents and punctuation dropped.
ALIASES = {
    "ice": "exporter_id", "exportateur": "exporter_id", "id_exportateur": "exporter_id",
    "exporter": "exporter_id", "identifiant": "exporter_id",
    "periode": "period", "annee": "period", "year": "period", "mois": "period",
    "ndp": "product_code", "code_produit": "product_code", "nomenclature": "product_code",
    "product": "product_code",
    "pays": "destination", "pays_destination": "destination", "destination_iso": "destination",
    "partner": "destination",
    "valeur": "value_national", "valeur_dh": "value_national", "valeur_dhs": "value_national",
    "value": "value_national", "value_mad": "value_national",
    "poids_net": "net_mass_kg", "poids_net_kg": "net_mass_kg", "net_mass": "net_mass_kg",
    "forme_juridique": "legal_form", "province_prefecture": "province",
    "secteur": "sector", "taille": "size_class", "classe_taille": "size_class",
    "annee_creation": "creation_year", "date_demande": "application_date",
    "statut": "status", "cohorte": "cohort", "type_appui": "support_kind",
    "montant_appui": "support_amount", "montant": "support_amount",
}

LEGAL_FORMS = ("company", "cooperative", "individual", "public", "other")
SIZE_CLASSES = ("micro", "small", "medium", "large")
STATUSES = ("applicant", "beneficiary", "rejected", "withdrawn")
