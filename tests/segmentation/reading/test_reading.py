"""Reading messy transaction logs and customer tables: exact results and exact messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation import SegmentationError, SegmentationWarning, detect_columns, read_customers

# Header synonyms -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Customer ID", "InvoiceDate", "Revenue"], ("Customer ID", "InvoiceDate", "Revenue")),
        (["customer_id", "order_date", "Sales"], ("customer_id", "order_date", "Sales")),
        (["CLIENT", "Transaction Date", "Total"], ("CLIENT", "Transaction Date", "Total")),
        (["CustomerID", "Date", "Amount"], ("CustomerID", "Date", "Amount")),
    ],
)
def test_transaction_headers_found_by_synonym(headers, expected):
    found = detect_columns(pd.DataFrame(columns=headers))
    assert found.kind == "transactions"
    assert (found.get("customer_id"), found.get("date"), found.get("amount")) == expected


def test_customer_table_detected_with_extras():
    frame = pd.DataFrame(
        columns=["Customer", "Days Since Last Purchase", "Orders", "Total Spend", "Region"]
    )
    found = detect_columns(frame)
    assert found.kind == "customers"
    assert found.get("recency") == "Days Since Last Purchase"
    assert found.get("frequency") == "Orders"
    assert found.get("monetary") == "Total Spend"
    assert list(found.extras) == ["Region"]


def test_explicit_mapping_wins_over_synonyms():
    log = pd.DataFrame(
        {
            "Customer": ["a", "b"],
            "Account": ["X1", "X1"],
            "Date": ["2024-01-01", "2024-01-02"],
            "Amount": [1, 2],
        }
    )
    table = read_customers(log, columns={"customer_id": "Account"}).table
    assert list(table["Customer ID"]) == ["X1"]
    assert table["Frequency"].tolist() == [2]


def test_missing_columns_listed_in_one_message():
    with pytest.raises(SegmentationError) as error:
        read_customers(pd.DataFrame({"Name": ["a"], "When": ["2024-01-01"]}))
    assert str(error.value) == (
        "Missing columns for a transaction log: 'customer id' (a header such as "
        "'Customer ID', 'Customer', 'Customer No', 'Customer Number'); 'date' (a header "
        "such as 'Order Date', 'Invoice Date', 'Transaction Date', 'Purchase Date'); "
        "'amount' (a header such as 'Amount', 'Revenue', 'Sales', 'Salesamount'). The "
        "table's headers are: 'Name', 'When'. Rename a header to one like those. Or name "
        "the column explicitly: columns={'customer_id': 'Your Header'}."
    )


def test_misnamed_mapping_names_the_header_and_lists_found_ones():
    log = pd.DataFrame({"Customer": ["a"], "Date": ["2024-01-01"], "Amount": [1]})
    with pytest.raises(SegmentationError, match="customer_id='Client Code'") as error:
        read_customers(log, columns={"customer_id": "Client Code"})
    assert "'Customer', 'Date', 'Amount'" in str(error.value)
    with pytest.raises(SegmentationError, match="Unknown column role.*'shoe'"):
        read_customers(log, columns={"shoe": "Customer"})


# Cleaning, with a report -----------------------------------------------------------------


@pytest.fixture
def retail_export() -> pd.DataFrame:
    """Like the common online-retail export: invoice lines, quantity x unit price."""
    return pd.DataFrame(
        {
            "InvoiceNo": ["536365", "536365", "536366", "536367", "536367", None],
            "CustomerID": [" 17850", "17850 ", "17850", "13047", "13047", "12583"],
            "InvoiceDate": [45292, 45292, 45300, 45301.5, 45301.5, 45310],
            "Quantity": ["6", "2", "1", "3", "-1", "1"],
            "UnitPrice": ["2.55", "€3,39", "1,000.00", "(5.00)", "5", "#N/A"],
        }
    )


def test_retail_export_is_cleaned_and_aggregated(retail_export):
    with pytest.warns(SegmentationWarning):
        data = read_customers(retail_export)
    table = data.table.set_index("Customer ID")
    # 6 x 2.55 + 2 x 3.39 + 1 x 1000 over two distinct invoices.
    assert table.loc["17850", "Monetary"] == pytest.approx(1022.08)
    assert table.loc["17850", "Frequency"] == 2
    assert table.loc["17850", "Last Purchase"] == pd.Timestamp("2024-01-09")
    # Excel serial 45292 is 2024-01-01; the default analysis date is the day after the
    # last usable line (45301.5 -> 2024-01-10).
    assert data.as_of == pd.Timestamp("2024-01-11")
    assert "12583" not in table.index  # its only line has #N/A as price

    report = data.report
    # 13047's lines are both returns (3 x -5.00, -1 x 5): no purchase, so no customer.
    assert "13047" not in table.index
    assert (report.rows_read, report.rows_used, report.customers) == (6, 5, 1)
    assert report.count("Customers with returns but no purchases were left out") == 1
    assert report.count("Spaces around customer ids were removed") == 2
    assert report.count("Dates as Excel serials were converted") == 6
    assert report.count("Excel error or missing markers were treated as blank") == 1
    assert report.count("Rows without an amount were left out") == 1
    assert report.count("Returns (negative amounts) were netted per customer") == 2
    assert "Rows without an amount were left out: 1 in 'Quantity x UnitPrice'" in str(report)


def test_returns_are_netted_but_are_not_purchases():
    log = pd.DataFrame(
        {
            "Customer": ["a", "a", "a", "b"],
            "Date": ["2024-01-01", "2024-01-10", "2024-01-20", "2024-01-05"],
            "Amount": [100.0, 50.0, -30.0, 10.0],
        }
    )
    with pytest.warns(SegmentationWarning, match=r"Returns .* netted .* \(row 4\)"):
        table = read_customers(log, as_of="2024-02-01").table.set_index("Customer ID")
    assert table.loc["a", "Monetary"] == 120.0
    assert table.loc["a", "Frequency"] == 2
    assert table.loc["a", "Recency"] == 22  # the last purchase, not the return


def test_order_ids_count_distinct_orders_and_blank_order_is_its_own():
    log = pd.DataFrame(
        {
            "Customer": ["a", "a", "a", "a", "b"],
            "Order ID": ["o1", "o1", "o2", None, "o3"],
            "Date": ["2024-01-01"] * 5,
            "Amount": [1, 2, 3, 4, 5],
        }
    )
    table = read_customers(log).table.set_index("Customer ID")
    assert table["Frequency"].to_dict() == {"a": 3, "b": 1}


def test_exact_duplicate_rows_dropped_and_reported():
    log = pd.DataFrame(
        {"Customer": ["a", "a", "b"], "Date": ["2024-01-01"] * 3, "Amount": [5, 5, 7]}
    )
    with pytest.warns(SegmentationWarning, match="row 3"):
        data = read_customers(log)
    assert data.table.set_index("Customer ID")["Monetary"].to_dict() == {"a": 5.0, "b": 7.0}
    kept = read_customers(log, drop_duplicates=False).table
    assert kept.set_index("Customer ID")["Monetary"].to_dict() == {"a": 10.0, "b": 7.0}


def test_transactions_after_the_analysis_date_are_left_out():
    log = pd.DataFrame(
        {"Customer": ["a", "b"], "Date": ["2024-01-01", "2024-05-01"], "Amount": [1, 2]}
    )
    with pytest.warns(SegmentationWarning, match=r"on or after the analysis date.*\(row 3\)"):
        data = read_customers(log, as_of="2024-02-01")
    assert data.table["Customer ID"].tolist() == ["a"]
    assert data.table["Recency"].tolist() == [31]
    with pytest.raises(SegmentationError, match="Choose a later analysis date"):
        read_customers(log, as_of="2023-06-01")


def test_customer_table_with_last_purchase_dates_and_markers():
    table = pd.DataFrame(
        {
            "customer_id": ["x", "y", "z"],
            "Last Purchase": ["2024-03-01", "2024-02-01", "2023-12-24"],
            "Orders": [3, "1", "NULL"],
            "Total": ["1.234,50", "-", "99"],
            "Region": ["N", "S", "N"],
        }
    )
    with pytest.warns(SegmentationWarning, match="Rows without a monetary value"):
        data = read_customers(table, as_of="2024-03-31")
    assert data.table.to_dict("list") == {
        "Customer ID": ["x"],
        "Recency": [30],
        "Frequency": [3],
        "Monetary": [1234.5],
        "Last Purchase": [pd.Timestamp("2024-03-01")],
        "Region": ["N"],
    }
    assert data.report.rows_used == 1


def test_ambiguous_dates_warn_and_date_format_decides():
    log = pd.DataFrame(
        {"Customer": ["a", "b"], "Date": ["03/04/2024", "05/06/2024"], "Amount": [1, 2]}
    )
    with pytest.warns(SegmentationWarning, match="read month first. If they are day first"):
        us = read_customers(log).table
    assert us["Last Purchase"].tolist() == [pd.Timestamp("2024-03-04"), pd.Timestamp("2024-05-06")]
    eu = read_customers(log, date_format="%d/%m/%Y").table
    assert eu["Last Purchase"].tolist() == [pd.Timestamp("2024-04-03"), pd.Timestamp("2024-06-05")]


# Errors that make the result meaningless -----------------------------------------------------


def _log(**overrides) -> pd.DataFrame:
    base = {
        "Client": ["A", "A", "B", "C"],
        "Invoice Date": ["2024-01-01", "2024-01-05", "2024-02-01", "2024-02-03"],
        "Revenue": [10, 20, 30, 40],
    }
    return pd.DataFrame(base | overrides)


def test_text_in_number_column_names_column_rows_and_values():
    with pytest.raises(SegmentationError) as error:
        read_customers(_log(Revenue=["10", "abc", "x", "40"]))
    assert str(error.value) == (
        "Column 'Revenue' has 2 values that are not a number (rows 3, 4: 'abc', 'x'). "
        "Correct or clear those cells; plain numbers, currency symbols and thousand "
        "separators are all fine."
    )


def test_unparseable_dates_name_column_and_row():
    with pytest.raises(SegmentationError) as error:
        read_customers(
            _log(**{"Invoice Date": ["2024-01-01", "yesterday", "2024-02-01", "2024-02-03"]})
        )
    assert str(error.value) == (
        "Column 'Invoice Date' has 1 value that is not a date (row 3: 'yesterday'). Use real "
        "dates or text such as 2024-03-31; clear cells that have no date."
    )


def test_first_row_shifts_row_numbers_in_messages():
    with pytest.raises(SegmentationError, match=r"\(row 11: 'abc'\)"):
        read_customers(_log(Revenue=[1, "abc", 3, 4]), first_row=10)


def test_no_usable_rows():
    with pytest.raises(SegmentationError) as error, pytest.warns(SegmentationWarning):
        read_customers(_log(Revenue=["#N/A", "#VALUE!", "", None]))
    assert str(error.value) == (
        "No usable rows: every row lacks a customer id, a date or an amount. Check that the "
        "right columns were used: customer id = 'Client', date = 'Invoice Date', amount = "
        "'Revenue'."
    )


def test_blank_table():
    blank = pd.DataFrame({"Customer": [None, None], "Date": [None, None], "Amount": [None, None]})
    with pytest.raises(SegmentationError, match="The table has no data rows"):
        read_customers(blank)


def test_duplicate_ids_in_customer_table():
    table = pd.DataFrame(
        {
            "Customer ID": ["a", "a", "b"],
            "Recency": [1, 2, 3],
            "Frequency": [1, 2, 3],
            "Monetary": [1, 2, 3],
        }
    )
    with pytest.raises(SegmentationError) as error:
        read_customers(table)
    assert str(error.value).startswith(
        "Column 'Customer ID' repeats customer ids: 'a' appears in rows 2, 3"
    )
    assert "remove the duplicates" in str(error.value)


def test_negative_frequency_is_an_error():
    table = pd.DataFrame(
        {"Customer ID": ["a", "b"], "Recency": [1, 2], "Frequency": [1, -2], "Monetary": [1, 2]}
    )
    with pytest.raises(SegmentationError, match=r"'Frequency' has negative values \(row 3\)"):
        read_customers(table)


def test_bad_analysis_date():
    with pytest.raises(SegmentationError, match="The analysis date 'soon' is not a date"):
        read_customers(_log(), as_of="soon")


def test_missing_extra_column_is_named():
    with pytest.raises(SegmentationError, match="Extra column.*'Region'"):
        read_customers(_log(), extras=["Region"])


def test_numeric_ids_stay_numbers_and_sort_numerically():
    log = pd.DataFrame(
        {"Customer": [10, 9, 100], "Date": ["2024-01-01"] * 3, "Amount": [1.0, 2.0, 3.0]}
    )
    ids = read_customers(log).table["Customer ID"]
    assert ids.tolist() == [9, 10, 100] and ids.dtype == np.int64
    # Excel hands whole numbers over as floats, with blanks among them.
    floats = log.assign(Customer=[10.0, np.nan, 100.0])
    with pytest.warns(SegmentationWarning, match="Rows without a customer id"):
        ids = read_customers(floats).table["Customer ID"]
    assert ids.tolist() == [10, 100] and ids.dtype == np.int64
    # Text ids keep their leading zeros.
    text = log.assign(Customer=["010", "9", "0100"])
    assert read_customers(text).table["Customer ID"].tolist() == ["9", "010", "0100"]


def test_monetary_sum_does_not_depend_on_row_order():
    rng = np.random.default_rng(3)
    amounts = rng.choice([0.1, 0.2, 0.3, 1e6, -0.7], size=5_000)
    log = pd.DataFrame(
        {"Customer": ["a"] * 5_000, "Date": ["2024-01-01"] * 5_000, "Amount": amounts}
    )
    sums = {
        float(
            read_customers(log.sample(frac=1.0, random_state=seed), drop_duplicates=False)
            .table["Monetary"]
            .iloc[0]
        )
        for seed in range(5)
    }
    assert len(sums) == 1
