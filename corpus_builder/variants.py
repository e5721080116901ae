"""Surface-form families: every way a narrative may write one graph value.

Each function returns the whole family of a value as ``Surface`` items, in a fixed
order, each naming the transformation that made it. Rendering picks one with its own
seeded generator; the family itself never depends on randomness, so a test can list it.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

MONTHS_EN = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
MONTHS_ID = "JAN FEB MAR APR MEI JUN JUL AGU SEP OKT NOV DES".split()
CURRENCY_SYMBOLS = {"IDR": "Rp", "USD": "$", "EUR": "€", "SGD": "S$"}


class Surface(NamedTuple):
    """One spelling of a value and the name of its form. A tuple: rendering makes
    dozens per narrative, and a frozen dataclass takes twice as long to make."""

    text: str
    form: str


SPELLED_INVOICE = {"DE": "RECHNUNG", "NL": "FACTUUR", "ID": "FAKTUR"}


def invoice_forms(series: str, year: int, seq: int, country: str = "") -> list[Surface]:
    """Forms of invoice ``{series}-INV-{seq:06d}``; ``canonical`` is the graph key.

    ``country`` adds the word its customers spell the prefix with (FAKTUR, RECHNUNG).
    """
    padded = f"{seq:06d}"
    local = []
    if country in SPELLED_INVOICE:
        local = [Surface(f"{SPELLED_INVOICE[country]} {padded}", "prefix_localized")]
    return local + [
        Surface(f"{series}-INV-{padded}", "canonical"),
        Surface(f"INV-{padded}", "series_dropped"),
        Surface(f"INV{padded}", "separator_dropped"),
        Surface(f"INV {padded}", "separator_space"),
        Surface(f"INVOICE-{padded}", "prefix_spelled"),
        Surface(f"INV {seq}", "padding_dropped"),
        Surface(f"INV/{year}/{seq:05d}", "year_inserted"),
        Surface(f"{series}INV{padded}", "all_separators_dropped"),
        Surface(f"INV/{seq:05d}/{year}", "year_reordered"),
    ]


def invoice_number_forms(seq: int) -> list[Surface]:
    """The bare number of an invoice, as the second of a list (``INV 0457 + 0461``)."""
    return [Surface(f"{seq:06d}", "digits"), Surface(f"{seq:04d}", "digits_short")]


def contract_forms(year: int, seq: int) -> list[Surface]:
    """Forms of contract ``CNT-{year}-{seq:03d}``."""
    return [
        Surface(f"CNT-{year}-{seq:03d}", "canonical"),
        Surface(f"CNT {year}-{seq:03d}", "separator_space"),
        Surface(f"CNT{year}{seq:03d}", "separators_dropped"),
        Surface(f"CNT/{year}/{seq:03d}", "separator_slash"),
        Surface(f"CONTRACT {year}-{seq:03d}", "prefix_spelled"),
    ]


def po_forms(number: str) -> list[Surface]:
    """Forms of a purchase-order number, either ``PO-NNNNN`` or a bare SAP number."""
    if number.startswith("PO-"):
        digits = number[3:]
        return [
            Surface(number, "canonical"),
            Surface(f"PO {digits}", "separator_space"),
            Surface(f"PO{digits}", "separator_dropped"),
            Surface(f"PO NO {digits}", "prefix_spelled"),
        ]
    return [
        Surface(number, "canonical"),
        Surface(f"PO {number}", "prefix_added"),
        Surface(f"PO-{number}", "prefix_hyphen"),
    ]


LEGAL_FORM_VARIANTS = {
    "LLC": "L.L.C.",
    "Inc.": "INCORPORATED",
    "Corp.": "CORPORATION",
    "Ltd.": "LIMITED",
    "Co.": "COMPANY",
    "PT": "P.T.",
    "CV": "C.V.",
    "PT Tbk": "TBK",
}
ABBREVIATIONS = {
    "Solutions": "SOL",
    "Manufacturing": "MFG",
    "Logistics": "LOG",
    "Industries": "IND",
    "Systems": "SYS",
    "Packaging": "PKG",
    "Supply": "SUPP",
    "Trading": "TRDG",
    "Analytics": "ANLYT",
    "Energy": "ENGY",
    "Health": "HLTH",
    "Foods": "FDS",
    "Logistik": "LOG",
    "Distribusi": "DIST",
    "Konstruksi": "KONST",
    "Elektrindo": "ELEKTR",
    "Persada": "PRSD",
    "Nusantara": "NUSA",
    "Indonesia": "INDO",
    "Sejahtera": "SEJ",
    "Teknik": "TEK",
    "Tekstil": "TEKS",
    "Energi": "ENG",
    "Pangan": "PGN",
}
TRUNCATE_AT = 16
# Every form ``customer_aliases`` can make, in the order it makes them.
ALIAS_FORMS = (
    "legal_name",
    "legal_form_dropped",
    "legal_form_moved",
    "legal_form_variant",
    "abbreviated",
    "truncated",
    "words_split",
    "words_merged",
    "acronym",
)


def customer_aliases(
    legal_name: str,
    core_words: tuple[str, ...],
    legal_form: str,
    split_core: tuple[str, ...],
) -> list[Surface]:
    """Aliases of a customer.

    ``core_words`` is the name without its legal form
    (``("Alphabridge", "Solutions")``);
    ``split_core`` is the same name with compound words split where they were coined
    from parts (``("Alpha", "Bridge", "Solutions")``), or empty when nothing splits.
    """
    core = " ".join(core_words)
    forms = [Surface(legal_name, "legal_name"), Surface(core, "legal_form_dropped")]
    if legal_form in ("PT", "CV", "PT Tbk"):
        moved = "TBK" if legal_form == "PT Tbk" else legal_form
        forms.append(Surface(f"{core} {moved}", "legal_form_moved"))
    variant = LEGAL_FORM_VARIANTS.get(legal_form)
    if variant:
        text = (
            f"{variant} {core}" if legal_form in ("PT", "CV") else f"{core} {variant}"
        )
        forms.append(Surface(text, "legal_form_variant"))
    abbreviated = [ABBREVIATIONS.get(word, word) for word in core_words]
    if abbreviated != list(core_words):
        forms.append(Surface(" ".join(abbreviated), "abbreviated"))
    if len(legal_name) > TRUNCATE_AT + 2:
        cut = legal_name[:TRUNCATE_AT].rstrip(" .,")
        forms.append(Surface(cut, "truncated"))
    if split_core and split_core != core_words:
        forms.append(Surface(" ".join(split_core), "words_split"))
    if len(core_words) >= 2:
        forms.append(Surface("".join(core_words), "words_merged"))
    initials_from = split_core or core_words
    acronym = "".join(word[0] for word in initials_from if word[:1].isalpha()).upper()
    if len(acronym) >= 3:
        forms.append(Surface(acronym, "acronym"))
    elif len(acronym) == 2 and legal_form:
        forms.append(Surface(with_legal_form(acronym, legal_form), "acronym"))
    return _unique(forms)


def with_legal_form(core: str, legal_form: str) -> str:
    """``core`` with the legal form where the name carries it (``PT X Tbk``)."""
    if legal_form == "PT Tbk":
        return f"PT {core} Tbk"
    if legal_form in ("PT", "CV"):
        return f"{legal_form} {core}"
    return f"{core} {legal_form}"


def amount_forms(amount_cents: int, currency: str) -> list[Surface]:
    """Forms of an amount, in the conventions banks use for its currency."""
    units, cents = divmod(amount_cents, 100)
    plain = f"{units}.{cents:02d}"
    comma_grouped = f"{units:,}.{cents:02d}"
    dot_grouped = f"{units:,}".replace(",", ".") + f",{cents:02d}"
    if currency == "IDR":
        return _unique(
            [
                Surface(comma_grouped, "comma_grouped"),
                Surface(dot_grouped, "dot_grouped"),
                *(
                    [Surface(f"{units:,}".replace(",", "."), "dot_grouped_no_decimals")]
                    if cents == 0
                    else []
                ),
                Surface(plain, "plain"),
            ]
        )
    if currency == "EUR":
        return _unique(
            [
                Surface(dot_grouped, "dot_grouped"),
                Surface(f"{units},{cents:02d}", "comma_decimal"),
                Surface(comma_grouped, "comma_grouped"),
            ]
        )
    return _unique([Surface(comma_grouped, "comma_grouped"), Surface(plain, "plain")])


def currency_forms(code: str) -> list[Surface]:
    forms = [Surface(code, "iso_code")]
    if code in CURRENCY_SYMBOLS:
        forms.append(Surface(CURRENCY_SYMBOLS[code], "symbol"))
    return forms


def date_forms(day: dt.date, language: str) -> list[Surface]:
    """Forms of a calendar date as statements of this language write it."""
    months = MONTHS_ID if language == "id" else MONTHS_EN
    mon = months[day.month - 1]
    common = [
        Surface(f"{day:%d/%m/%Y}", "dmy_slash"),
        Surface(f"{day.day:02d} {mon} {day.year}", "d_mon_yyyy"),
        Surface(f"{day:%Y-%m-%d}", "iso"),
        Surface(f"{day:%d-%m-%y}", "dmy_dash_short"),
        Surface(f"{day.day:02d} {mon.title()} {day.year}", "d_mon_yyyy_title"),
    ]
    if language == "id":
        return common + [
            Surface(f"{day:%d-%m-%Y}", "dmy_dash"),
            Surface(f"{day:%d%m%y}", "ddmmyy"),
        ]
    return common + [
        Surface(f"{day:%y%m%d}", "yymmdd"),
        Surface(f"{day:%m/%d/%Y}", "mdy_slash"),
        Surface(f"{mon} {day.day:02d} {day.year}", "mon_d_yyyy"),
    ]


def named_date_form(day: dt.date, form: str, language: str) -> Surface:
    """One date form asked for by name in a template (``{DATE:date|yymmdd}``)."""
    months = MONTHS_ID if language == "id" else MONTHS_EN
    if form == "yymmdd":
        return Surface(f"{day:%y%m%d}", form)
    if form == "ddmmyy":
        return Surface(f"{day:%d%m%y}", form)
    if form == "mon_yyyy":
        return Surface(f"{months[day.month - 1]} {day.year}", form)
    for surface in date_forms(day, language):
        if surface.form == form:
            return surface
    raise KeyError(form)


def period_forms(day: dt.date, language: str) -> list[Surface]:
    """Forms of the billing period (month) that contains ``day``."""
    months = MONTHS_ID if language == "id" else MONTHS_EN
    mon = months[day.month - 1]
    return [
        Surface(f"{mon} {day.year}", "mon_yyyy"),
        Surface(f"{day:%m/%Y}", "mm_yyyy"),
        Surface(f"{mon}{day:%y}", "mon_yy"),
    ]


def account_forms(account: str) -> list[Surface]:
    """Forms of an account number or IBAN."""
    if account[:2].isalpha():
        grouped = " ".join(account[i : i + 4] for i in range(0, len(account), 4))
        return [Surface(account, "iban_electronic"), Surface(grouped, "iban_print")]
    forms = [Surface(account, "plain")]
    if len(account) == 10:
        forms.append(Surface(f"{account[:3]}-{account[3:6]}-{account[6:]}", "grouped"))
    return forms


def iban(country: str, bban: str) -> str:
    """An IBAN with valid ISO 13616 check digits for ``country`` and ``bban``."""
    rearranged = bban + country + "00"
    numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


def iban_is_valid(value: str) -> bool:
    value = value.replace(" ", "")
    numeric = "".join(str(int(ch, 36)) for ch in value[4:] + value[:4])
    return int(numeric) % 97 == 1


def _unique(forms: list[Surface]) -> list[Surface]:
    seen: set[str] = set()
    out = []
    for surface in forms:
        if surface.text not in seen:
            seen.add(surface.text)
            out.append(surface)
    return out
