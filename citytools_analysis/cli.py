"""The ``citytools`` command line: synth, clean, template, validate, build, findings.

Each command is a thin wrapper over a package function, so that notebooks and tests call
the same code as the command line.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer

from citytools_analysis.core import paths

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


@app.command()
def synth(
    seed: int = typer.Option(2019, help="Random seed: the same seed gives the same survey."),
    out: Path = typer.Option(paths.SURVEY_DIR, help="Folder for the survey workbooks."),
    truth_dir: Path = typer.Option(paths.TRUTH_DIR, help="Folder for the true London (not raw data)."),
    reference_dir: Path = typer.Option(paths.REFERENCE_DIR, help="Reference data folder."),
    contracts_out: Optional[Path] = typer.Option(
        None, help="Folder for the contract registers (default: 'contracts' beside --out)."),
) -> None:
    """Generate the synthetic survey: one workbook per responding authority, and the truth."""
    from citytools_analysis.synth.generator import generate_survey

    summary = generate_survey(seed=seed, out_dir=out, truth_dir=truth_dir, reference_dir=reference_dir,
                              contracts_dir=contracts_out)
    typer.echo(summary)


@app.command()
def clean(
    survey_dir: Path = typer.Option(paths.SURVEY_DIR, help="Folder of survey returns (.xlsx)."),
    out_dir: Path = typer.Option(paths.PROCESSED_DIR, help="Folder for the processed tables."),
    reference_dir: Path = typer.Option(paths.REFERENCE_DIR, help="Reference data folder."),
    contracts_dir: Optional[Path] = typer.Option(
        None, help="Folder of contract registers (default: 'contracts' beside the survey folder, "
        "if it has a sources.csv)."),
) -> None:
    """Clean the survey returns into the processed tables and their data package."""
    from citytools_analysis.ingest.cleaning import clean_survey
    from citytools_analysis.core.errors import SurveyInputError

    try:
        result = clean_survey(survey_dir=survey_dir, out_dir=out_dir, reference_dir=reference_dir,
                              contracts_dir=contracts_dir)
    except SurveyInputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(result.summary())


@app.command()
def template(
    out: Path = typer.Argument(..., help="The blank survey workbook to write (.xlsx)."),
    reference_dir: Path = typer.Option(paths.REFERENCE_DIR, help="Reference data folder."),
) -> None:
    """Write the blank survey workbook an authority fills in, drop-downs from the reference data."""
    from citytools_analysis.ingest.template import write_template

    typer.echo(f"survey template written to {write_template(out, reference_dir=reference_dir)}")


@app.command()
def validate(
    files: list[Path] = typer.Argument(..., help="Returns (.xlsx) to check, or folders of them."),
    output_format: str = typer.Option(
        "text", "--format", help="text (for people) or json (for tools)."),
    verbose: bool = typer.Option(False, "--verbose", help="Also list values read in another form."),
    snapshot_date: Optional[str] = typer.Option(
        None, help="Snapshot date, YYYY-MM-DD (default: round.json beside each file)."),
    reference_dir: Path = typer.Option(paths.REFERENCE_DIR, help="Reference data folder."),
) -> None:
    """Check returns before they are sent: exit 0 clean, 1 problems, 2 a file cannot be read."""
    from citytools_analysis.ingest.validation import validate_returns

    if output_format not in ("text", "json"):
        raise typer.BadParameter("must be text or json", param_hint="--format")
    snapshot = date.fromisoformat(snapshot_date) if snapshot_date else None
    report = validate_returns(files, reference_dir=reference_dir, snapshot_date=snapshot)
    if output_format == "json":
        typer.echo(report.to_json(verbose=verbose))
    else:
        typer.echo(report.to_text(verbose=verbose))
    raise typer.Exit(code=report.exit_code)


@app.command()
def build(
    jobs: Optional[int] = typer.Option(None, help="Notebooks run at once (default: one per core)."),
    force: bool = typer.Option(False, help="Execute every notebook and re-read every page."),
    scheduler: Optional[str] = typer.Option(
        None, help="Address of a Dask distributed scheduler (tcp://host:8786) to run the "
        "notebooks on, instead of local processes; its workers must see this project's "
        "folder at the same path."),
) -> None:
    """Run the notebooks with papermill (those whose inputs changed), then build _build/html/."""
    from citytools_analysis.build.pipeline import build_book

    try:
        code = build_book(jobs=jobs, force=force, scheduler=scheduler)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    raise typer.Exit(code=code)


@app.command()
def benchmark(
    scales: str = typer.Option("35,100,350", help="National-scale sizes (authorities), comma-separated; '' for none."),
    jobs: Optional[int] = typer.Option(None, help="Notebooks run at once (default: one per core)."),
    workdir: Optional[Path] = typer.Option(None, help="Folder for the copies (default: a temporary one)."),
    dask: bool = typer.Option(True, help="Also build each national scale on a local Dask cluster."),
) -> None:
    """Time the floors, cold, no-op and one-changed-return builds, and national-scale builds."""
    from citytools_analysis.build.benchmark import run_benchmark

    sizes = [int(part) for part in scales.split(",") if part.strip()]
    run_benchmark(scales=sizes, jobs=jobs, workdir=workdir, echo=typer.echo, dask=dask)


@app.command()
def findings(
    processed_dir: Path = typer.Option(paths.PROCESSED_DIR, help="Folder of processed tables."),
    as_of: Optional[str] = typer.Option(None, help="Snapshot date, YYYY-MM-DD."),
    horizon_years: int = typer.Option(3, help="Expiry horizon in years."),
    window_months: int = typer.Option(12, help="Joint-procurement window in months."),
    min_authorities: int = typer.Option(3, help="Authorities needed for an opportunity."),
) -> None:
    """Print the headline findings as JSON."""
    from citytools_analysis.metrics.headline import headline_findings_json

    typer.echo(
        headline_findings_json(
            processed_dir=processed_dir,
            as_of=date.fromisoformat(as_of) if as_of else None,
            horizon_years=horizon_years,
            window_months=window_months,
            min_authorities=min_authorities,
        )
    )


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
