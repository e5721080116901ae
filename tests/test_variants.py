from __future__ import annotations

import datetime as dt

from corpus_builder.variants import (
    account_forms,
    amount_forms,
    contract_forms,
    customer_aliases,
    date_forms,
    iban,
    iban_is_valid,
    invoice_forms,
    invoice_number_forms,
    po_forms,
)


def texts(forms):
    return [f.text for f in forms]


def test_invoice_family():
    assert texts(invoice_forms("MFG", 2024, 157)) == [
        "MFG-INV-000157",
        "INV-000157",
        "INV000157",
        "INV 000157",
        "INVOICE-000157",
        "INV 157",
        "INV/2024/00157",
        "MFGINV000157",
        "INV/00157/2024",
    ]
    assert invoice_forms("MFG", 2024, 157)[0].form == "canonical"
    assert texts(invoice_forms("SVC", 2024, 157, "DE"))[:2] == [
        "RECHNUNG 000157",
        "SVC-INV-000157",
    ]
    assert texts(invoice_forms("SVC", 2024, 157, "ID"))[0] == "FAKTUR 000157"
    assert texts(invoice_number_forms(461)) == ["000461", "0461"]


def test_contract_and_po_families():
    assert texts(contract_forms(2024, 587)) == [
        "CNT-2024-587",
        "CNT 2024-587",
        "CNT2024587",
        "CNT/2024/587",
        "CONTRACT 2024-587",
    ]
    assert texts(po_forms("PO-55810")) == [
        "PO-55810",
        "PO 55810",
        "PO55810",
        "PO NO 55810",
    ]
    assert texts(po_forms("4500123987")) == [
        "4500123987",
        "PO 4500123987",
        "PO-4500123987",
    ]


def test_customer_alias_family():
    forms = customer_aliases(
        "Alphabridge Solutions LLC",
        ("Alphabridge", "Solutions"),
        "LLC",
        ("Alpha", "Bridge", "Solutions"),
    )
    assert [(f.text, f.form) for f in forms] == [
        ("Alphabridge Solutions LLC", "legal_name"),
        ("Alphabridge Solutions", "legal_form_dropped"),
        ("Alphabridge Solutions L.L.C.", "legal_form_variant"),
        ("Alphabridge SOL", "abbreviated"),
        ("Alphabridge Solu", "truncated"),
        ("Alpha Bridge Solutions", "words_split"),
        ("AlphabridgeSolutions", "words_merged"),
        ("ABS", "acronym"),
    ]
    pt = customer_aliases("PT Sinar Bahari Tbk", ("Sinar", "Bahari"), "PT Tbk", ())
    assert [(f.text, f.form) for f in pt] == [
        ("PT Sinar Bahari Tbk", "legal_name"),
        ("Sinar Bahari", "legal_form_dropped"),
        ("Sinar Bahari TBK", "legal_form_moved"),
        ("PT Sinar Bahari", "truncated"),
        ("SinarBahari", "words_merged"),
        ("PT SB Tbk", "acronym"),
    ]
    cv = customer_aliases("CV Hidayat Pangan", ("Hidayat", "Pangan"), "CV", ())
    assert texts(cv)[2:5] == ["Hidayat Pangan CV", "C.V. Hidayat Pangan", "Hidayat PGN"]


def test_amounts_follow_the_currency_conventions():
    assert texts(amount_forms(397985, "USD")) == ["3,979.85", "3979.85"]
    assert texts(amount_forms(397985, "EUR")) == ["3.979,85", "3979,85", "3,979.85"]
    assert texts(amount_forms(1250000000, "IDR")) == [
        "12,500,000.00",
        "12.500.000,00",
        "12.500.000",
        "12500000.00",
    ]


def test_dates_by_language():
    day = dt.date(2024, 2, 28)
    assert texts(date_forms(day, "id")) == [
        "28/02/2024",
        "28 FEB 2024",
        "2024-02-28",
        "28-02-24",
        "28 Feb 2024",
        "28-02-2024",
        "280224",
    ]
    assert texts(date_forms(dt.date(2024, 8, 5), "id"))[1] == "05 AGU 2024"
    assert texts(date_forms(day, "en")) == [
        "28/02/2024",
        "28 FEB 2024",
        "2024-02-28",
        "28-02-24",
        "28 Feb 2024",
        "240228",
        "02/28/2024",
        "FEB 28 2024",
    ]


def test_iban_check_digits():
    value = iban("DE", "500105175407324931")
    assert value == "DE44500105175407324931"
    assert iban_is_valid(value) and not iban_is_valid("DE45500105175407324931")
    assert texts(account_forms(value)) == [value, "DE44 5001 0517 5407 3249 31"]
    assert texts(account_forms("0123456789")) == ["0123456789", "012-345-6789"]
