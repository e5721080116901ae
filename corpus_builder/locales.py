"""Locale data for company names, banks and countries: word pools, no logic."""

from __future__ import annotations

# Coined company names are made of a head and a tail ("Alpha" + "bridge"), so the
# alias family can split them again ("ALPHA BRIDGE").
COINED_HEADS = (
    "Alpha", "Nova", "Blue", "Summit", "Iron", "Silver", "North", "Bright", "Clear",
    "Prime", "Vertex", "Stone", "Oak", "River", "Sun", "Star", "Green", "Atlas",
    "Delta", "Omni", "Peak", "True", "Red", "Harbor", "Cedar", "Falcon",
)
COINED_TAILS = (
    "bridge", "point", "works", "field", "gate", "line", "stone", "wave", "path",
    "core", "view", "forge", "port", "crest", "mark", "well", "land", "way",
)

LOCALES = {
    "en_US": {
        "sectors": (
            "Solutions", "Logistics", "Manufacturing", "Foods", "Systems", "Supply",
            "Industries", "Trading", "Energy", "Health", "Analytics", "Packaging",
        ),
        "legal_forms": ("LLC", "Inc.", "Corp.", "Ltd.", "Co."),
        "industries": (
            "manufacturing", "logistics", "retail", "healthcare", "energy",
            "software", "food and beverage", "construction",
        ),
        # (country, currency, weight)
        "markets": (("US", "USD", 6), ("DE", "EUR", 2), ("NL", "EUR", 1), ("SG", "SGD", 1)),
    },
    "id_ID": {
        "words": (
            "Sinar", "Bahari", "Jaya", "Makmur", "Abadi", "Sentosa", "Mitra", "Karya",
            "Sejahtera", "Nusantara", "Prima", "Mandiri", "Cahaya", "Gemilang",
            "Sukses", "Berkah", "Lestari", "Utama", "Bumi", "Samudra", "Cipta",
            "Mulia", "Perkasa", "Agung", "Indah", "Tirta", "Surya", "Bintang",
        ),
        "sectors": (
            "Logistik", "Niaga", "Teknik", "Pangan", "Elektrindo", "Persada",
            "Distribusi", "Konstruksi", "Farma", "Kimia", "Tekstil", "Energi",
        ),
        "legal_forms": ("PT", "CV", "PT Tbk"),
        "industries": (
            "manufaktur", "logistik", "perdagangan", "konstruksi", "farmasi",
            "makanan dan minuman", "tekstil", "energi",
        ),
        "markets": (("ID", "IDR", 9), ("ID", "USD", 1)),
    },
}

INVOICE_SERIES = ("MFG", "SVC", "TRD", "LOG", "PRJ")

BANKS = {
    "id": ("BCA", "MANDIRI", "BNI", "BRI", "CIMB NIAGA", "PERMATA", "DANAMON", "BSI"),
    "en": ("CHASE", "CITIBANK", "HSBC", "DEUTSCHE BANK", "ING", "DBS", "WELLS FARGO"),
}
BICS = ("CENAIDJA", "BMRIIDJA", "BNINIDJA", "CHASUS33", "CITIUS33", "DEUTDEFF", "INGBNL2A")
DE_BANK_CODES = ("50010517", "37040044", "10070000", "20041133", "70150000")
NL_BANK_CODES = ("INGB", "ABNA", "RABO", "TRIO")
