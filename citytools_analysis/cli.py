"""The ``citytools`` command line: synth, clean, names, template, validate, build, findings.

Each command is a thin wrapper over a package function, so that notebooks and tests call
the same code as the command line.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import typer

from citytools_analysis.core import paths

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


@app.command()
def synth(
    seed: int = typer.Option(2019, help="Random seed: the same seed gives the same survey."),
    round_name: str | None = typer.Option(
        None,
        "--round",
        help="A later round, evolved two years on from the seed's London "
        "(data/raw/synthetic/evolution.json names it, e.g. 2021); default the first round.",
    ),
    out: Path | None = typer.Option(
        None,
        help="Folder for the survey workbooks (default data/raw/rounds/<round>/survey for the "
        "first round, an earlier round now; data/raw/survey for the later, current round).",
    ),
    truth_dir: Path | None = typer.Option(
        None,
        help="Folder for the true London, not raw data (default "
        "data/synthetic_truth/rounds/<round> for the first round, data/synthetic_truth for "
        "the current one).",
    ),
    reference_dir: Path = typer.Option(paths.REFERENCE_DIR, help="Reference data folder."),
    contracts_out: Path | None = typer.Option(
        None, help="Folder for the contract registers (default: 'contracts' beside --out)."
    ),
    spend_out: Path | None = typer.Option(
        None, help="Folder for the payment (spend) files (default: 'spend' beside --out)."
    ),
) -> None:
    """Generate the synthetic survey: one workbook per responding authority, and the truth."""
    if round_name is None:
        from citytools_analysis.synth.generator import generate_survey
        from citytools_analysis.synth.world import ROUND

        # The book is built for the latest round, so the first synthetic round is an earlier
        # round, kept beside the others under data/raw/rounds/.
        summary = generate_survey(
            seed=seed,
            out_dir=out or paths.ROUNDS_RAW_DIR / ROUND / "survey",
            truth_dir=truth_dir or paths.TRUTH_ROUNDS_DIR / ROUND,
            reference_dir=reference_dir,
            contracts_dir=contracts_out,
            spend_dir=spend_out,
        )
    else:
        from citytools_analysis.synth.evolution import generate_later_round, load_evolution

        try:
            later = load_evolution().round_name
        except ValueError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(code=2) from None
        if round_name != later:
            typer.echo(
                f"error: --round {round_name}: the scenario describes the later round {later} "
                "(data/raw/synthetic/evolution.json); leave --round out for the first round",
                err=True,
            )
            raise typer.Exit(code=2)
        # The later synthetic round is the latest round: the current one, built into the book.
        summary = generate_later_round(
            seed=seed,
            out_dir=out or paths.SURVEY_DIR,
            truth_dir=truth_dir or paths.TRUTH_DIR,
            reference_dir=reference_dir,
            contracts_dir=contracts_out,
            spend_dir=spend_out,
        )
    typer.echo(summary)


@app.command()
def clean(
    survey_dir: Path = typer.Option(paths.SURVEY_DIR, help="Folder of survey returns (.xlsx)."),
    out_dir: Path = typer.Option(paths.PROCESSED_DIR, help="Folder for the processed tables."),
    reference_dir: Path = typer.Option(paths.REFERENCE_DIR, help="Reference data folder."),
    contracts_dir: Path | None = typer.Option(
        None,
        help="Folder of contract registers (default: 'contracts' beside the survey folder, "
        "if it has a sources.csv).",
    ),
    spend_dir: Path | None = typer.Option(
        None,
        help="Folder of payment (spend) files (default: 'spend' beside the survey folder, "
        "if it has a sources.csv).",
    ),
) -> None:
    """Clean the survey returns into the processed tables and their data package."""
    from citytools_analysis.core.errors import SurveyInputError
    from citytools_analysis.ingest.cleaning import clean_survey
    from citytools_analysis.release.writer import ReleaseWriteError

    try:
        result = clean_survey(
            survey_dir=survey_dir,
            out_dir=out_dir,
            reference_dir=reference_dir,
            contracts_dir=contracts_dir,
            spend_dir=spend_dir,
        )
    except SurveyInputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    except ReleaseWriteError as error:  # the input was fine; the disk or permissions were not
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(result.summary())


@app.command()
def names(
    survey_dir: Path = typer.Option(paths.SURVEY_DIR, help="Folder of survey returns (.xlsx)."),
    contracts_dir: Path | None = typer.Option(
        None,
        help="Folder of contract registers (default: 'contracts' beside the survey folder, "
        "if it has a sources.csv).",
    ),
    out: Path | None = typer.Option(
        None, help="CSV file for the review (default: the CSV is written to standard output)."
    ),
    reference_dir: Path = typer.Option(paths.REFERENCE_DIR, help="Reference data folder."),
) -> None:
    """List every raw product and organisation name of a round and how it resolved.

    One row per distinct name: the method (exact, alias, rule, fuzzy, product_name,
    unresolved), the canonical name, the score, how many rows use it and in which files,
    and for an unresolved name the three nearest known names. Extend
    data/raw/reference/product_aliases.csv or organisation_aliases.csv from it.
    """
    from citytools_analysis.core.errors import SurveyInputError
    from citytools_analysis.core.reference import load_reference
    from citytools_analysis.ingest.name_review import method_counts, review_names, write_review
    from citytools_analysis.ingest.registers import contracts_folder

    try:
        if not survey_dir.is_dir():
            raise SurveyInputError(f"survey folder not found: {survey_dir}")
        review = review_names(
            survey_dir, contracts_folder(survey_dir, contracts_dir), load_reference(reference_dir)
        )
    except SurveyInputError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    if out is None:
        typer.echo(review.to_csv(index=False, lineterminator="\n"), nl=False)
        return
    write_review(review, out)
    counts = method_counts(review)
    summary = "; ".join(
        f"{row.kind} {row.method} {row.names} ({row.rows} rows)" for row in counts.itertuples()
    )
    typer.echo(f"{len(review)} distinct names written to {out}: {summary}.")


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
        "text", "--format", help="text (for people) or json (for tools)."
    ),
    verbose: bool = typer.Option(False, "--verbose", help="Also list values read in another form."),
    snapshot_date: str | None = typer.Option(
        None, help="Snapshot date, YYYY-MM-DD (default: round.json beside each file)."
    ),
    reference_dir: Path = typer.Option(paths.REFERENCE_DIR, help="Reference data folder."),
) -> None:
    """Check returns before they are sent: exit 0 clean, 1 problems, 2 a file cannot be read."""
    from citytools_analysis.ingest.validation import validate_returns

    if output_format not in ("text", "json"):
        raise typer.BadParameter("must be text or json", param_hint="--format")
    try:
        snapshot = date.fromisoformat(snapshot_date) if snapshot_date else None
    except ValueError:
        raise typer.BadParameter(
            "must be a date, YYYY-MM-DD", param_hint="--snapshot-date"
        ) from None
    report = validate_returns(files, reference_dir=reference_dir, snapshot_date=snapshot)
    if output_format == "json":
        typer.echo(report.to_json(verbose=verbose))
    else:
        typer.echo(report.to_text(verbose=verbose))
    raise typer.Exit(code=report.exit_code)


@app.command()
def build(
    jobs: int | None = typer.Option(None, help="Notebooks run at once (default: one per core)."),
    force: bool = typer.Option(False, help="Execute every notebook and re-read every page."),
    scheduler: str | None = typer.Option(
        None,
        help="Address of a Dask distributed scheduler (tcp://host:8786) to run the "
        "notebooks on, instead of local processes; its workers must see this project's "
        "folder at the same path.",
    ),
) -> None:
    """Run the notebooks with papermill (those whose inputs changed), then build _build/html/."""
    from citytools_analysis.build.pipeline import build_book
    from citytools_analysis.core.errors import SurveyInputError

    try:
        code = build_book(jobs=jobs, force=force, scheduler=scheduler)
    except (ValueError, SurveyInputError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    raise typer.Exit(code=code)


@app.command()
def benchmark(
    scales: str = typer.Option(
        "35,100,350", help="National-scale sizes (authorities), comma-separated; '' for none."
    ),
    jobs: int | None = typer.Option(None, help="Notebooks run at once (default: one per core)."),
    workdir: Path | None = typer.Option(
        None, help="Folder for the copies (default: a temporary one)."
    ),
    names_only: bool = typer.Option(
        False, "--names-only", help="Only score name resolution on the labelled corpus."
    ),
    dask: bool = typer.Option(True, help="Also build each national scale on a local Dask cluster."),
    repeat: int = typer.Option(
        3, min=1, help="Take the London measures this many times and report their medians."
    ),
) -> None:
    """Score name resolution on the labelled corpus; time the floors, cold, no-op and
    one-changed-return builds, and national-scale builds."""
    from citytools_analysis.build.benchmark import run_benchmark

    sizes = [int(part) for part in scales.split(",") if part.strip()]
    run_benchmark(
        scales=sizes,
        jobs=jobs,
        workdir=workdir,
        echo=typer.echo,
        names_only=names_only,
        dask=dask,
        repeat=repeat,
    )


@app.command()
def findings(
    processed_dir: Path = typer.Option(paths.PROCESSED_DIR, help="Folder of processed tables."),
    as_of: str | None = typer.Option(None, help="Snapshot date, YYYY-MM-DD."),
    horizon_years: int | None = typer.Option(
        None, help="Expiry horizon in years (default: data/raw/reference/report_parameters.csv)."
    ),
    window_months: int | None = typer.Option(
        None, help="Joint-procurement window in months (default: as configured)."
    ),
    min_authorities: int | None = typer.Option(
        None, help="Authorities needed for an opportunity (default: as configured)."
    ),
    previous_dir: str | None = typer.Option(
        None,
        help="Release of the round before, for the change figures (default: the round before "
        "the current one, if any; '' for none).",
    ),
) -> None:
    """Print the headline findings as JSON."""
    from citytools_analysis.core.errors import SurveyInputError
    from citytools_analysis.metrics.headline import headline_findings_json

    try:
        text = headline_findings_json(
            processed_dir=processed_dir,
            as_of=date.fromisoformat(as_of) if as_of else None,
            horizon_years=horizon_years,
            window_months=window_months,
            min_authorities=min_authorities,
            previous_dir=previous_dir,
        )
    except (FileNotFoundError, SurveyInputError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(text)


@app.command()
def changes(
    from_dir: Path = typer.Option(..., help="Release folder of the earlier round."),
    to_dir: Path = typer.Option(..., help="Release folder of the later round."),
    output_format: str = typer.Option("csv", "--format", help="csv or json."),
) -> None:
    """Print one record per system change between two rounds' releases."""
    from citytools_analysis.metrics.changes import changes_between

    if output_format not in ("csv", "json"):
        raise typer.BadParameter("must be csv or json", param_hint="--format")
    try:
        frame = changes_between(from_dir, to_dir)
    except FileNotFoundError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    if output_format == "json":
        typer.echo(frame.to_json(orient="records", indent=2, force_ascii=False))
    else:
        typer.echo(frame.to_csv(index=False, lineterminator="\n"), nl=False)


@app.command(name="change-recovery")
def change_recovery(
    from_dir: Path | None = typer.Option(
        None,
        help="Release folder of the earlier synthetic round (default: the round before the "
        "current one, data/releases/<round>).",
    ),
    to_dir: Path = typer.Option(
        paths.PROCESSED_DIR, help="Release folder of the later synthetic round."
    ),
    from_truth: Path | None = typer.Option(
        None,
        help="Truth folder of the earlier round (default: data/synthetic_truth/rounds/<round>).",
    ),
    to_truth: Path = typer.Option(
        paths.TRUTH_DIR, help="Truth folder of the later round (with changes.csv)."
    ),
) -> None:
    """Measure the changes found between two synthetic rounds against their truth."""
    from citytools_analysis.core.errors import SurveyInputError
    from citytools_analysis.core.rounds import current_round, previous_round
    from citytools_analysis.metrics.changes import change_classes, changes_between
    from citytools_analysis.synth.change_recovery import measure_change_recovery

    try:
        if from_dir is None or from_truth is None:
            earlier = previous_round(current_round().name)
            if earlier is None:
                typer.echo("error: the project holds one round: nothing to compare", err=True)
                raise typer.Exit(code=2)
            from_dir = from_dir or earlier.release_dir
            from_truth = from_truth or earlier.truth_dir or paths.TRUTH_ROUNDS_DIR / earlier.name
        found = changes_between(from_dir, to_dir)
        recovery = measure_change_recovery(
            found, from_dir, to_dir, from_truth, to_truth, classes=list(change_classes()["change"])
        )
    except (FileNotFoundError, SurveyInputError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(recovery.text())


def main() -> None:  # pragma: no cover - console entry
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
