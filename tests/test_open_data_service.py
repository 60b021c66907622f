"""The book as an open data service: downloads, the SQLite database and the JSON API.

The first tests work on a small release written here (fast); those marked ``slow`` check
what a real build published into ``_build/html`` (the session's build, ``conftest``), and
the one marked ``browser`` fetches API documents from the served book in Chromium.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import importlib.util
import io
import json
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
from fixtures_processed import (
    AUTHORITIES,
    BARNET,
    BRENT,
    CAMDEN,
    EALING,
    GLA,
    system,
    write_processed,
)

from citytools_analysis.build import publish
from citytools_analysis.metrics.headline import headline_findings_json
from citytools_analysis.release import database, distribution
from citytools_analysis.release.schema import TABLES
from citytools_analysis.release.writer import datapackage_descriptor, write_datapackage, write_table
from citytools_analysis.report import api, api_schema, downloads

EBS = "Oracle E-Business Suite"
FORMULA_PRODUCT = "=SUM(A1:A9)"
TILES = {
    BARNET: ("1", "3", "brn"),
    BRENT: ("2", "2", "brt"),
    CAMDEN: ("2", "3", "cmd"),
    EALING: ("3", "1", "eal"),
    GLA: ("", "", "gla"),
}


def skill(code: str, area: str, level: int, can_support: bool = False) -> dict:
    return {
        "gss_code": code,
        "skill_area": area,
        "level": str(level),
        "can_support": str(can_support).lower(),
        "source_file": "x.xlsx",
        "source_row": "2",
    }


def write_release(directory: Path, **changes) -> Path:
    """A small but complete release: the fixture tables, written by the release's own
    writer (formula neutralising included), and its real data package."""
    tables = {
        "authorities": [
            dict(
                row,
                tile_row=TILES[row["gss_code"]][0],
                tile_col=TILES[row["gss_code"]][1],
                abbreviation=TILES[row["gss_code"]][2],
            )
            for row in AUTHORITIES
        ],
        "systems": [
            system(
                "E09000003-00002",
                BARNET,
                "Finance",
                EBS,
                "Oracle",
                contract_end="2020-03-31",
                annual_cost_gbp="300000.5",
            ),
            system(
                "E09000003-00003",
                BARNET,
                "Housing",
                "Northgate Housing",
                "Northgate",
                contract_end_status="rolling",
            ),
            system(
                "E09000005-00002",
                BRENT,
                "Finance",
                EBS,
                "Oracle",
                contract_end="2020-09-30",
                annual_cost_gbp="400000",
            ),
            system(
                "E09000007-00002",
                CAMDEN,
                "Finance",
                EBS,
                "Oracle",
                contract_end="2021-01-31",
                annual_cost_gbp="500000",
            ),
            system(
                "E09000009-00002",
                EALING,
                "Finance",
                FORMULA_PRODUCT,
                "SAP",
                contract_end="2020-06-30",
            ),
        ],
        "integrations": [
            {
                "gss_code": BARNET,
                "record_id": "E09000003-00002",
                "linked_record_id": "E09000003-00003",
                "linked_name": "Housing",
            }
        ],
        "skills": [
            skill(BARNET, "Cloud", 3),
            skill(BRENT, "Cloud", 4, True),
            skill(CAMDEN, "Cloud", 1),
        ],
        "maturity": [
            {
                "gss_code": c,
                "dimension": "Data",
                "score": s,
                "source_file": "x.xlsx",
                "source_row": "2",
            }
            for c, s in ((BARNET, "2"), (BRENT, "4"))
        ],
    }
    tables["systems"] = [dict(row, source="survey") for row in tables["systems"]]
    tables.update(changes)
    write_processed(directory, **tables)
    # Rewrite every table with the release's writer, and add the real data package.
    for name, table in TABLES.items():
        rows = []
        if (directory / f"{name}.csv").exists() and name != "contracts":
            with (directory / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
                rows = [
                    {column: _typed(value, table, column) for column, value in row.items()}
                    for row in csv.DictReader(handle)
                ]
        write_table(rows, table, directory)
    write_datapackage(
        directory,
        datapackage_descriptor(snapshot_date="2019-10-01", synthetic=True, round_name="test"),
    )
    return directory


def _typed(value: str, table, column: str):
    kind = next(f.type for f in table.fields if f.name == column)
    if value == "":
        return None
    return {"true": True, "false": False}[value] if kind == "boolean" else value


@pytest.fixture()
def release(tmp_path) -> Path:
    return write_release(tmp_path / "processed")


# --- the data package and the database -----------------------------------------------------


def test_the_data_package_declares_the_foreign_keys_the_release_keeps():
    package = json.loads(
        (Path(__file__).parents[1] / "data" / "processed" / "datapackage.json").read_text(
            encoding="utf-8"
        )
    )
    keys = {
        resource["name"]: resource["schema"].get("foreignKeys", [])
        for resource in package["resources"]
    }
    assert {
        "fields": "gss_code",
        "reference": {"resource": "authorities", "fields": "gss_code"},
    } in keys["systems"]
    assert {(key["fields"], key["reference"]["resource"]) for key in keys["integrations"]} == {
        ("gss_code", "authorities"),
        ("record_id", "systems"),
        ("linked_record_id", "systems"),
    }
    assert {key["fields"] for key in keys["contracts"]} == {"gss_code", "record_id"}
    assert keys["authorities"] == [] and keys["rejected"] == []


def test_the_database_has_the_packages_types_keys_and_rows(release, tmp_path):
    path = database.write_database(release, tmp_path / "site" / database.DATABASE_NAME)
    connection = sqlite3.connect(path)
    columns = {row[1]: row for row in connection.execute("PRAGMA table_info(systems)")}
    assert columns["annual_cost_gbp"][2] == "FLOAT" and columns["source_row"][2] == "INTEGER"
    assert columns["record_id"][5] == 1  # the primary key
    assert columns["product"][3] == 1  # required: NOT NULL
    foreign = {
        (row[3], row[2], row[4])
        for row in connection.execute("PRAGMA foreign_key_list(integrations)")
    }
    assert foreign == {
        ("gss_code", "authorities", "gss_code"),
        ("record_id", "systems", "record_id"),
        ("linked_record_id", "systems", "record_id"),
    }
    for name in TABLES:
        count = connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        assert count == distribution.csv_row_count(release / f"{name}.csv"), name
    rows = connection.execute(
        "SELECT a.short_name, s.contract_end, s.annual_cost_gbp FROM systems AS s "
        "JOIN authorities AS a USING (gss_code) WHERE s.product = ? ORDER BY s.contract_end",
        (EBS,),
    ).fetchall()
    assert rows == [
        ("Barnet", "2020-03-31", 300000.5),
        ("Brent", "2020-09-30", 400000.0),
        ("Camden", "2021-01-31", 500000.0),
    ]
    # The CSV neutralises a formula for spreadsheets; the database holds the text returned.
    assert "'" + FORMULA_PRODUCT in (release / "systems.csv").read_text(encoding="utf-8")
    assert connection.execute(
        "SELECT product FROM systems WHERE gss_code = ?", (EALING,)
    ).fetchone() == (FORMULA_PRODUCT,)
    assert connection.execute(
        "SELECT responded FROM authorities WHERE gss_code = ?", (GLA,)
    ).fetchone() == (0,)
    connection.close()
    assert database.foreign_key_problems(path) == []


def test_the_same_release_gives_the_same_database_bytes(release, tmp_path):
    # Separate processes: SQLAlchemy's constraint order varies with each process's hashing.
    digests = set()
    for number in range(2):
        target = tmp_path / f"copy{number}.sqlite"
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from citytools_analysis.release.database import "
                "write_database; write_database(sys.argv[1], sys.argv[2])",
                str(release),
                str(target),
            ],
            check=True,
        )
        digests.add(hashlib.sha256(target.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_a_foreign_key_that_points_nowhere_stops_the_conversion(tmp_path):
    release = write_release(
        tmp_path / "processed",
        integrations=[
            {
                "gss_code": BARNET,
                "record_id": "E09000003-99999",
                "linked_record_id": "E09000003-88888",
                "linked_name": "Nowhere",
            }
        ],
    )
    target = tmp_path / "citytools.sqlite"
    target.write_bytes(b"earlier")
    with pytest.raises(database.DatabaseError, match="foreign keys that point nowhere"):
        database.write_database(release, target)
    assert target.read_bytes() == b"earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["citytools.sqlite", "processed"]


def test_constraint_clauses_are_put_in_one_order():
    one = (
        "CREATE TABLE t (\n\ta INTEGER CHECK (a <= 5) CHECK (a >= 1), \n\tb TEXT, \n\t"
        "PRIMARY KEY (a), \n\tFOREIGN KEY(b) REFERENCES v (b), \n\t"
        "FOREIGN KEY(a) REFERENCES u (a)\n)"
    )
    other = (
        "CREATE TABLE t (\n\ta INTEGER CHECK (a >= 1) CHECK (a <= 5), \n\tb TEXT, \n\t"
        "PRIMARY KEY (a), \n\tFOREIGN KEY(a) REFERENCES u (a), \n\t"
        "FOREIGN KEY(b) REFERENCES v (b)\n)"
    )
    assert database.canonical_table_sql(one) == database.canonical_table_sql(other)
    assert database.canonical_table_sql(one).index("FOREIGN KEY(a)") < database.canonical_table_sql(
        one
    ).index("FOREIGN KEY(b)")
    sqlite3.connect(":memory:").execute(database.canonical_table_sql(one))  # still valid SQL


# --- the zip and each authority's rows -----------------------------------------------------


def test_the_zip_holds_the_release_and_is_the_same_bytes_each_time(release, tmp_path):
    first = distribution.write_zip(release, tmp_path / "a.zip")
    second = distribution.write_zip(release, tmp_path / "b.zip")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
        assert names == ["citytools-london/datapackage.json"] + [
            f"citytools-london/{name}.csv" for name in TABLES
        ]
        for name in names:
            assert archive.read(name) == (release / name.split("/")[1]).read_bytes()
            assert archive.getinfo(name).date_time == distribution.ZIP_TIMESTAMP


def test_each_authoritys_rows_are_the_release_rows_with_its_code(release, tmp_path):
    written = distribution.write_authority_extracts(release, tmp_path / "by")
    assert len(written) == len(AUTHORITIES) * len(distribution.AUTHORITY_TABLES)
    for table in distribution.AUTHORITY_TABLES:
        lines = (release / f"{table}.csv").read_text(encoding="utf-8").splitlines()
        pieces = []
        for row in AUTHORITIES:
            text = (tmp_path / "by" / row["gss_code"] / f"{table}.csv").read_text(encoding="utf-8")
            assert text.splitlines()[0] == lines[0]
            for record in csv.DictReader(io.StringIO(text)):
                assert record["gss_code"] == row["gss_code"]
            pieces += text.splitlines()[1:]
        assert sorted(pieces) == sorted(lines[1:]), table
    ealing = (tmp_path / "by" / EALING / "systems.csv").read_text(encoding="utf-8")
    assert "'" + FORMULA_PRODUCT in ealing  # still neutralised, as released
    assert (tmp_path / "by" / GLA / "systems.csv").read_text(encoding="utf-8").count("\n") == 1


# --- the JSON API --------------------------------------------------------------------------


def test_slugs_are_readable_unique_and_depend_only_on_the_names():
    assert api.slugify("Barking and Dagenham") == "barking-and-dagenham"
    assert api.slugify("Planning & Building Control") == "planning-building-control"
    assert api.slugify("Société Générale") == "societe-generale"
    slugs = api.assign_slugs(["A&B", "A B", "<script>alert(1)</script>", "日本", "Camden"])
    assert slugs["Camden"] == "camden"
    assert slugs["<script>alert(1)</script>"] == "script-alert-1-script"
    assert re.fullmatch(r"a-b-[0-9a-f]{8}", slugs["A&B"]) and slugs["A&B"] != slugs["A B"]
    assert re.fullmatch(r"name-[0-9a-f]{8}", slugs["日本"])
    assert len(set(slugs.values())) == len(slugs)
    assert api.assign_slugs(["A B", "A&B", "Camden"]) == {
        k: v for k, v in slugs.items() if k in ("A B", "A&B", "Camden")
    }


def _validate(documents: dict, schemas: dict) -> list[str]:
    problems = []
    for path, document in documents.items():
        validator = jsonschema.Draft202012Validator(
            schemas[api.schema_name(path)], format_checker=jsonschema.FormatChecker()
        )
        problems += [
            f"{path}: {error.json_path}: {error.message}"
            for error in validator.iter_errors(document)
        ]
    return problems


def test_every_api_document_validates_and_says_what_the_release_says(release):
    documents = api.api_documents(release, as_of="2019-10-01")
    schemas = api_schema.document_schemas()
    assert _validate(documents, schemas) == []
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    index = documents["index.json"]
    assert [a["slug"] for a in index["authorities"]] == [
        "barnet",
        "brent",
        "camden",
        "ealing",
        "gla",
    ]
    assert {
        item["path"] for item in index["authorities"] + index["products"] + index["organisations"]
    } | {"index.json", "findings.json", "opportunities.json"} == set(documents)
    ebs = documents["products/oracle-e-business-suite.json"]
    assert ebs["authorities"] == [BARNET, BRENT, CAMDEN]
    assert [s["contract_end"] for s in ebs["systems"]] == ["2020-03-31", "2020-09-30", "2021-01-31"]
    (opportunity,) = documents["opportunities.json"]["opportunities"][:1]
    assert opportunity["name"] == EBS and opportunity["authorities"] == [BARNET, BRENT, CAMDEN]
    barnet = documents["authorities/barnet.json"]
    assert [s["annual_cost_gbp"] for s in barnet["systems"]] == [300000.5, None]
    assert barnet["opportunities"][0]["partners"] == [BRENT, CAMDEN]
    assert barnet["peers"] == [
        {
            "product": EBS,
            "product_slug": "oracle-e-business-suite",
            "service_area": "Finance",
            "authorities": [BRENT, CAMDEN],
        }
    ]
    assert barnet["peer_support"]["could_support_this_authority"] == []
    assert documents["authorities/camden.json"]["peer_support"]["could_support_this_authority"] == [
        {"skill_area": "Cloud", "authority": BRENT}
    ]
    oracle = documents["organisations/oracle.json"]
    assert oracle["systems"][0]["role"] == ["manufacturer", "supplier"]
    assert (
        api.document_bytes(documents["findings.json"]).decode()
        == headline_findings_json(release, as_of="2019-10-01") + "\n"
    )


def test_a_document_that_breaks_its_schema_is_caught(release):
    documents = api.api_documents(release)
    broken = json.loads(json.dumps(documents["authorities/barnet.json"]))
    broken["systems"][0]["contract_end"] = "31/03/2020"
    del broken["maturity"]
    problems = _validate({"authorities/barnet.json": broken}, api_schema.document_schemas())
    assert any("contract_end" in p for p in problems) and any("maturity" in p for p in problems)


def test_documents_are_the_same_bytes_on_a_rebuild(release, tmp_path):
    publish.write_api(release, tmp_path / "a")
    publish.write_api(release, tmp_path / "b")
    files = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert files == sorted(
        p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file()
    )
    assert all(
        (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files
    )
    assert Path("schemas/authority.schema.json") in files and Path("openapi.json") in files


def test_the_openapi_description_names_every_kind_of_document(release, tmp_path):
    publish.write_api(release, tmp_path / "api")
    openapi = json.loads((tmp_path / "api" / "openapi.json").read_text(encoding="utf-8"))
    assert openapi["openapi"].startswith("3.1")
    refs = {
        operation["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        for operation in openapi["paths"].values()
    }
    assert refs == {f"schemas/{name}.schema.json" for name in api_schema.document_schemas()}
    assert all((tmp_path / "api" / ref).is_file() for ref in refs)
    templates = [
        re.compile("^" + re.escape(path[1:]).replace(r"\{slug\}", "[a-z0-9-]+") + "$")
        for path in openapi["paths"]
    ]
    documents = [
        p.relative_to(tmp_path / "api").as_posix()
        for p in (tmp_path / "api").rglob("*.json")
        if "schemas" not in p.parts and p.name != "openapi.json"
    ]
    assert documents and all(any(t.match(d) for t in templates) for d in documents)


# --- publishing ----------------------------------------------------------------------------


def test_prepare_and_install_publish_every_file_and_the_downloads_table(release, tmp_path):
    build_dir, generated = tmp_path / "_build", tmp_path / "book" / "_generated"
    staged = publish.prepare(release, build_dir, generated)
    html_dir = build_dir / "html"
    (html_dir / "data").mkdir(parents=True)
    (html_dir / "data" / "stale.csv").write_text("old", encoding="utf-8")
    publish.install(staged, html_dir)
    assert not (html_dir / "data" / "stale.csv").exists()
    for name in TABLES:
        assert (html_dir / "data" / f"{name}.csv").read_bytes() == (
            release / f"{name}.csv"
        ).read_bytes()
    for path in (
        "data/datapackage.json",
        "citytools.sqlite",
        "citytools-london-release.zip",
        f"data/authorities/{CAMDEN}/systems.csv",
        "api/v1/index.json",
        "api/v1/authorities/camden.json",
        "api/v1/openapi.json",
    ):
        assert (html_dir / path).is_file(), path
    table = (generated / publish.DOWNLOADS_INCLUDE).read_text(encoding="utf-8")
    assert table.startswith("```{raw} html")
    for item in publish.describe_files(html_dir, release):
        assert f'href="../{item.path}"' in table
    assert '<td class="text-end">5</td>' in table  # systems.csv's rows
    assert "Open Government Licence v3.0 (OGL-UK-3.0)" in table


def test_an_explorer_links_to_the_tables_it_shows():
    text = downloads.table_downloads_html(["systems", "contracts"])
    assert 'href="../../../data/systems.csv"' in text
    assert 'href="../../../data/contracts.csv"' in text
    assert 'href="../../../citytools-london-release.zip"' in text


def test_a_profile_links_to_its_authoritys_csv_and_document(release):
    from citytools_analysis.metrics.profiles import london_context
    from citytools_analysis.release.processed import load_processed

    london = london_context(
        load_processed(release), source="test", skill_levels={}, as_of="2019-10-01"
    )
    text = downloads.authority_downloads_html(london, CAMDEN)
    for table in distribution.AUTHORITY_TABLES:
        assert f'href="../../../data/authorities/{CAMDEN}/{table}.csv"' in text
    assert 'href="../../../api/v1/authorities/camden.json"' in text


# --- the published book (slow: the session's build) ---------------------------------------


@pytest.mark.slow
def test_the_built_book_publishes_every_file_byte_for_byte(built_project, built_site):
    processed = built_project / "data" / "processed"
    for source in distribution.release_files(processed):
        assert (built_site / "data" / source.name).read_bytes() == source.read_bytes()
    assert (built_site / distribution.ZIP_NAME).read_bytes() == distribution.write_zip(
        processed, built_project / "check.zip"
    ).read_bytes()
    page = (built_site / "book" / "using-the-data.html").read_text(encoding="utf-8")
    for item in publish.describe_files(built_site, processed):
        assert f'href="../{item.path}"' in page, item.path
        if item.rows is not None:
            assert f'<td class="text-end">{item.rows:,}</td>' in page
    authorities = list(
        csv.DictReader((processed / "authorities.csv").open(encoding="utf-8", newline=""))
    )
    for row in authorities:
        profile = built_site / "book" / "_generated" / "profiles" / f"{row['gss_code']}.html"
        if profile.exists():
            assert f"data/authorities/{row['gss_code']}/systems.csv" in profile.read_text("utf-8")
    for explorer in (built_site / "book" / "_generated" / "explore").glob("*.html"):
        assert "../../../data/systems.csv" in explorer.read_text(encoding="utf-8"), explorer


@pytest.mark.slow
def test_every_published_document_validates_against_its_published_schema(built_site):
    root = built_site / "api" / "v1"
    schemas = {
        path.name.removesuffix(".schema.json"): json.loads(path.read_text("utf-8"))
        for path in (root / "schemas").glob("*.schema.json")
    }
    documents = {
        path.relative_to(root).as_posix(): json.loads(path.read_text("utf-8"))
        for path in root.rglob("*.json")
        if "schemas" not in path.parts and path.name != "openapi.json"
    }
    index = documents["index.json"]
    assert len(index["authorities"]) == 34
    assert len(documents) == 3 + len(index["authorities"]) + len(index["products"]) + len(
        index["organisations"]
    )
    assert _validate(documents, schemas) == []


@pytest.mark.slow
def test_the_published_database_answers_the_documented_query(built_project, built_site):
    processed = built_project / "data" / "processed"
    connection = sqlite3.connect(built_site / database.DATABASE_NAME)
    rows = connection.execute(
        "SELECT a.short_name, s.supplier, s.contract_end, s.contract_end_status "
        "FROM systems AS s JOIN authorities AS a USING (gss_code) "
        "WHERE s.product = 'EROS' ORDER BY s.contract_end"
    ).fetchall()
    connection.close()
    systems = list(csv.DictReader((processed / "systems.csv").open(encoding="utf-8", newline="")))
    assert len(rows) == sum(1 for s in systems if s["product"] == "EROS") > 0
    assert database.foreign_key_problems(built_site / database.DATABASE_NAME) == []


@pytest.mark.slow
def test_datasette_serves_the_database_and_answers_a_query(built_site):
    if importlib.util.find_spec("datasette") is None:
        pytest.skip(
            "Datasette is not installed (pip install datasette): the documented "
            "live query API over citytools.sqlite is not checked here"
        )
    from datasette.app import Datasette

    path = built_site / database.DATABASE_NAME
    query = (
        "select a.short_name, s.contract_end from systems as s join authorities as a "
        "using (gss_code) where s.product = 'EROS' order by s.contract_end"
    )

    async def ask():
        service = Datasette(immutables=[str(path)])
        response = await service.client.get(
            f"/{path.stem}.json", params={"sql": query, "_shape": "array"}
        )
        return response.status_code, response.json()

    status, rows = asyncio.run(ask())
    connection = sqlite3.connect(path)
    expected = connection.execute(query).fetchall()
    connection.close()
    assert status == 200
    assert [(row["short_name"], row["contract_end"]) for row in rows] == expected


@pytest.mark.browser
def test_api_documents_are_fetched_from_the_served_book(chromium_browser, site_url, built_site):
    root = built_site / "api" / "v1"
    index = json.loads((root / "index.json").read_text(encoding="utf-8"))
    wanted = [
        "index.json",
        "findings.json",
        "opportunities.json",
        "openapi.json",
        index["authorities"][0]["path"],
        index["products"][0]["path"],
        index["organisations"][0]["path"],
        "schemas/authority.schema.json",
    ]
    page = chromium_browser.new_page()
    page.goto(site_url + "book/using-the-data.html", wait_until="load")
    fetched = page.evaluate(
        """async (paths) => {
            const out = {};
            for (const path of paths) {
                const response = await fetch("../api/v1/" + path);
                out[path] = {status: response.status,
                             type: response.headers.get("content-type"),
                             body: await response.json()};
            }
            const csv = await fetch("../data/systems.csv");
            const sqlite = await fetch("../citytools.sqlite");
            out.files = [csv.status, (await csv.text()).split("\\n")[0],
                         sqlite.status, (await sqlite.arrayBuffer()).byteLength];
            return out;
        }""",
        wanted,
    )
    page.close()
    schemas = {
        name: json.loads((root / "schemas" / f"{name}.schema.json").read_text("utf-8"))
        for name in api_schema.document_schemas()
    }
    for path in wanted:
        assert fetched[path]["status"] == 200, path
        assert "json" in (fetched[path]["type"] or ""), path
        assert fetched[path]["body"] == json.loads((root / path).read_text(encoding="utf-8"))
    documents = {
        path: fetched[path]["body"]
        for path in wanted
        if path != "openapi.json" and not path.startswith("schemas/")
    }
    assert _validate(documents, schemas) == []
    status, header, db_status, db_bytes = fetched["files"]
    assert status == 200 and header.startswith("record_id,gss_code,")
    assert db_status == 200 and db_bytes == (built_site / database.DATABASE_NAME).stat().st_size


def test_the_api_reads_the_builds_findings_store_when_it_holds_this_releases_findings(
    release, tmp_path, monkeypatch
):
    from citytools_analysis.core.parameters import report_parameters
    from citytools_analysis.metrics import findings_store

    computed = api.api_documents(release, as_of="2019-10-01")
    store = tmp_path / "findings.pickle"
    findings_store.write_findings_store(release, report_parameters(as_of="2019-10-01"), store)

    def not_again(*args):
        raise AssertionError("the findings were computed again, not read from the store")

    monkeypatch.setattr(findings_store, "_compute", not_again)
    assert api.api_documents(release, as_of="2019-10-01", findings_store=store) == computed
    # A store of other parameters is not read: the findings are computed (here: refused).
    with pytest.raises(AssertionError, match="computed again"):
        api.api_documents(release, as_of="2020-10-01", findings_store=store)
