"""What a narrating notebook may hold: short cells that call the package, and no computing.

Chapters narrate and the package computes (issue: notebooks that narrate). A code cell other
than the tagged parameters cell may hold at most :data:`MAX_CELL_LINES` lines of code, no
pandas operation and no literal number (thresholds, top-N, rounding all live in the package or
in the report's configuration).
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from pathlib import Path

MAX_CELL_LINES = 10

# Operations that compute on a table; a chapter asks the package for the result instead.
PANDAS_OPERATIONS = re.compile(
    r"\bpd\.|\bimport pandas\b|\.(groupby|loc|iloc|assign|rename|sort_values|merge|query|agg|"
    r"value_counts|isin|nunique|drop|head|tail|pivot_table|pivot|melt|apply|map|fillna|dropna|"
    r"astype|round|sum|mean|median|count|reset_index|set_index|concat|explode)\b"
)


def _code_lines(source: str) -> list[str]:
    return [
        line for line in source.splitlines() if line.strip() and not line.strip().startswith("#")
    ]


def _numbers(source: str) -> list[str]:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    return [token.string for token in tokens if token.type == tokenize.NUMBER]


def _without_strings(source: str) -> str:
    """The source with string literals and comments blanked, so prose is not read as code."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return source
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    blanked = list(source)
    prose = {tokenize.STRING, tokenize.COMMENT, getattr(tokenize, "FSTRING_MIDDLE", -1)}
    for token in tokens:
        if token.type in prose:
            begin = starts[token.start[0] - 1] + token.start[1]
            end = starts[token.end[0] - 1] + token.end[1]
            blanked[begin:end] = " " * (end - begin)
    return "".join(blanked)


def narration_problems(notebook: Path) -> list[str]:
    """Every way a notebook computes instead of narrating, one message per problem."""
    cells = json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    problems = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            continue
        source = "".join(cell["source"])
        lines = _code_lines(source)
        where = f"{Path(notebook).name} cell {index}"
        if len(lines) > MAX_CELL_LINES:
            problems.append(f"{where}: {len(lines)} lines of code (at most {MAX_CELL_LINES})")
        code = _without_strings(source)
        for match in sorted(set(PANDAS_OPERATIONS.findall(code))):
            problems.append(f"{where}: pandas operation {match or 'pd.'!r}")
        if _numbers(source):
            problems.append(f"{where}: literal numbers {sorted(set(_numbers(source)))}")
    return problems
