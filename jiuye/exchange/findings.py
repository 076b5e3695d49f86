"""Problems (or warnings) grouped for a page: one finding per table, column and kind.

The command line prints one line per problem, in both languages; a page shows, in the
user's language, what is wrong and how to mend it once per table, column and kind,
with the rows it concerns: 2,000 ID numbers that became number cells are one finding
with 2,000 rows, not 2,000 lines.

    for finding in group_problems(result.problems):
        finding.title, finding.cure          # lazy texts in the active language
        finding.rows                         # spreadsheet row numbers, ascending
        finding.count, finding.example       # how many problems; the first one's message
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from jiuye.registry.rules.problems import Problem

# kind -> (what is wrong, how to mend it)
KIND_TEXT = {
    "unreadable_file": (_("The file cannot be read"), _("Save it again as CSV UTF-8 or as an Excel workbook (.xlsx).")),
    "mixed_encoding": (_("The file mixes two encodings (UTF-8 and GB18030)"),
                       _("Two files were pasted together: save the whole file again in one encoding (CSV UTF-8).")),
    "nul_byte": (_("The file holds NUL bytes: it is not CSV text"), _("Save it again as CSV UTF-8.")),
    "over_limit": (_("The file is over the limits of this system"),
                   _("Split the file, or ask the administrator about the limits.")),
    "not_a_table": (_("A file or sheet is not named after a table"),
                    _("Name each file or sheet after its table (人员, 家庭, …).")),
    "duplicate_table": (_("The same table appears twice"), _("Keep one file or sheet per table.")),
    "unknown_column": (_("Unknown column"), _("Remove the column or give it the name of a column of the table.")),
    "duplicate_column": (_("A column appears twice"), _("Keep one column of each name.")),
    "missing_column": (_("A required column is missing"), _("Add the column with its values.")),
    "blank_required": (_("A required value is blank"), _("Fill in the value.")),
    "not_in_list": (_("A value is not in its list"), _("Choose one of the listed values, written exactly as listed.")),
    "bad_date": (_("Not a date"), _("Write dates as 2026-06-30, 2026/6/30, 2026.6.30 or 2026年6月30日.")),
    "date_with_time": (_("A date carries a time of day"), _("Remove the time of day.")),
    "bad_integer": (_("Not an integer"), _("Write a whole number in digits.")),
    "bad_community_code": (_("A community code is not 12 digits"), _("Write the 12-digit statistical division code.")),
    "number_cell": (_("Numbers stored as number cells have lost digits"),
                    _("Format the column as Text, then type the values again: the lost digits cannot be recovered.")),
    "name_too_long": (_("A name is longer than 50 characters"), _("Shorten the name.")),
    "control_character": (_("A control character in the text"), _("Remove the invisible character.")),
    "nul_character": (_("A NUL character in the text"), _("Remove the invisible character.")),
    "unknown_district": (_("The first 6 digits of the community code are not a known district"),
                         _("Check the code: its district must be one of this deployment.")),
    "duplicate_key": (_("Two rows with one key but different values"),
                      _("Keep one of the rows, or correct the key of the other.")),
    "street_name": (_("Two names for one street"), _("Give every community of the street the same 街道名称.")),
    "bad_id_number": (_("The ID number fails the GB 11643 check"), _("Check the ID number against the ID card.")),
    "disagrees_with_id": (_("Sex or date of birth disagrees with the ID number"),
                          _("Check the ID number and the sex or date of birth.")),
    "missing_reference": (_("Refers to a row that does not exist"),
                          _("Add the community, household or person, or correct the reference.")),
    "follow_on": (_("Rows that refer to rows rejected above"), _("Mend the rows rejected above; these follow.")),
    "end_before_start": (_("An end before its start"), _("Check both dates.")),
    "before_birth": (_("A date before the person's birth"), _("Check the date and the date of birth.")),
    "status_overlap": (_("Status episodes overlap"), _("End the earlier episode before the later one starts.")),
    "retirement_category": (_("Retirement category 50 on a man"), _("Leave it blank, or check the sex.")),
    "outside_scope": (_("Outside your divisions"), _("Import only rows of your own communities.")),
    "future_date": (_("Dated after the day of the import"), _("A typing slip, or a planned end? Check the date.")),
    "unheaded_values": (_("Values under a blank header were ignored"), _("Give the column a header, or remove it.")),
    "invalid": (_("Not valid"), _("Correct the value.")),
}


@dataclass
class Finding:
    table: str
    column: str
    kind: str
    rows: list[int] = field(default_factory=list)
    count: int = 0
    example: str = ""

    @property
    def title(self):
        return KIND_TEXT.get(self.kind, KIND_TEXT["invalid"])[0]

    @property
    def cure(self):
        return KIND_TEXT.get(self.kind, KIND_TEXT["invalid"])[1]


def group_problems(problems: list[Problem]) -> list[Finding]:
    """One ``Finding`` per table, column and kind, in the order each first occurs, its rows
    ascending and without repeats (a problem with no row counts without one)."""
    found: dict[tuple, Finding] = {}
    for problem in problems:
        key = (problem.table or "-", problem.column or "-", problem.kind)
        finding = found.get(key)
        if finding is None:
            finding = found[key] = Finding(*key, example=problem.message)
        finding.count += 1
        if problem.row:
            finding.rows.append(problem.row)
    for finding in found.values():
        finding.rows = sorted(set(finding.rows))
    return list(found.values())
