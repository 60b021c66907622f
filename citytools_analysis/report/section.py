"""One piece of a chapter as the package hands it to a notebook: sentences, a table, a figure.

Chapters narrate and the package computes: every chapter section is built by one function
in :mod:`citytools_analysis.report` that returns a :class:`Section` (its Markdown text, an
optional table already labelled for readers, and an optional figure with its alt text and
source line). A notebook cell is then one call and :func:`show`. Tests check a section like
any other return value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from matplotlib.figure import Figure

from citytools_analysis.report import plots


@dataclass(frozen=True)
class Section:
    """Text, then an optional table, then an optional figure (with alt text and source)."""

    text: str = ""
    table: pd.DataFrame | None = None
    figure: Figure | None = None
    alt: str = ""
    source: str = ""
    # Ready-made HTML shown after the text (e.g. recommendations with their evidence).
    html: str = ""
    # Further tables or figures shown after the first, in order: (table) or (figure, alt, source).
    more: tuple = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.figure is not None and not (self.alt and self.source):
            raise ValueError("a section's figure needs its alt text and its source line")


def show(section: Section) -> None:
    """Display a section in a notebook: its text, its table, its figure, then the rest."""
    from IPython.display import HTML, Markdown, display

    if section.text:
        display(Markdown(section.text))
    if section.html:
        display(HTML(section.html))
    if section.table is not None:
        plots.show_table(section.table)
    if section.figure is not None:
        plots.show_figure(section.figure, alt=section.alt, source=section.source)
    for item in section.more:
        if isinstance(item, Section):
            show(item)
        elif isinstance(item, pd.DataFrame):
            plots.show_table(item)
        else:
            raise TypeError(f"a section can show tables and sections, not {type(item).__name__}")
