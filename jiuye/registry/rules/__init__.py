"""The register's own rules: what makes a row of the register valid.

The exchange format's tables and columns are the register's data dictionary, and one
path decides whether rows may be stored, whether they come from a file (``jiuye
import``), a form or the API:

- ``schema``: the tables, their columns (kind, required, list of values) and keys;
- ``parse``: cell values (dates, integers, codes, lists, ID numbers) and rows of a table;
- ``idnumber``: GB 11643 resident ID numbers, and the masking of ID and phone numbers;
- ``mapping``: each column and the model field that stores it;
- ``checks``: the rules between rows and against what is stored (references, keys,
  overlaps, streets …), and ``ledger_validate`` for a service's rows;
- ``problems``: a problem found, as one line ``table<TAB>row<TAB>column<TAB>message``.

Reading files (encodings, workbooks, limits) and writing an import are the exchange
format's (``jiuye.exchange``).
"""
