"""The deployment's limits on what an import reads (settings ``JIUYE_IMPORT_MAX_*``), and the
problem lines of an input over them: what is over which limit, the setting that holds it,
and the cure, in both languages (exchange.md's problem-line format, kind ``over_limit``)."""

from django.conf import settings

from jiuye.registry.rules.problems import Problem


class Refused(Exception):
    """Reading stopped at the first excess or flaw: ``problem`` says what and where."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def over_limit(table: str, what_zh: str, what_en: str, found, limit: int, setting: str, cure_zh: str, cure_en: str,
               row: int | None = None) -> Problem:
    return Problem(table, row, None,
                   f"{what_zh}超过本系统的限制（{found}，上限 {limit}，{setting}）：{cure_zh} / {what_en} over this"
                   f" deployment's limit ({found}, at most {limit}, {setting}): {cure_en}", "over_limit")


def file_too_big(table: str, size: int) -> Problem:
    limit = settings.JIUYE_IMPORT_MAX_FILE_BYTES
    return Problem(table, None, None,
                   f"文件超过大小限制（{size} 字节，上限 {limit}，JIUYE_IMPORT_MAX_FILE_BYTES）：请把文件拆成几个再分别导入"
                   f" / file exceeds the size limit ({size} bytes, at most {limit}, JIUYE_IMPORT_MAX_FILE_BYTES): split it"
                   " and import the parts one by one", "over_limit")


def cell_too_long(table: str, where_zh: str, where_en: str, found) -> Problem:
    return over_limit(table, f"{where_zh}单元格的字符数", f"the characters of a cell {where_en}", found,
                      settings.JIUYE_IMPORT_MAX_CELL_CHARS, "JIUYE_IMPORT_MAX_CELL_CHARS",
                      "请缩短过长的单元格", "shorten the cell")


def too_many_columns(table: str, where_zh: str, where_en: str, found) -> Problem:
    return over_limit(table, f"{where_zh}的列数", f"the number of columns {where_en}", found,
                      settings.JIUYE_IMPORT_MAX_COLUMNS, "JIUYE_IMPORT_MAX_COLUMNS",
                      "请删去不属于该表的列", "remove the columns that are not the table's")


def too_many_rows(table: str, found) -> Problem:
    return over_limit(table, "行数", "the number of rows", found, settings.JIUYE_IMPORT_MAX_ROWS,
                      "JIUYE_IMPORT_MAX_ROWS", "请把文件拆成几个再分别导入", "split the file and import the parts one by one")
