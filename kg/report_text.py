"""The text `kg` prints for each command's result: pure functions from a report to the lines shown.

The CLI (`kg.cli`) echoes these lines one by one on stdout, each passed through
`kg.model.text.terminal_safe`; JSON and CSV output are written by the CLI from
the reports themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from kg.model.text import terminal_safe

if TYPE_CHECKING:
    from kg.export import ExportReport
    from kg.ingest import ReadReport
    from kg.link.evaluate import Fold
    from kg.lookup import LookupResult
    from kg.model.results import QueryResult
    from kg.pipeline import BuildReport
    from kg.query import NamedQuery
    from kg.store.neo4j_reports import LoadReport

JsonReport: TypeAlias = dict[str, Any]
"""A report as the CLI also prints it with --json (read summary, evaluation, stats). Any, because its values
are JSON: numbers, strings, lists and maps nested to each report's own shape."""

# The widest a query result's column is shown in the table (longer values are cut).
COLUMN_WIDTH = 60
# Aliases listed by `kg lookup` before "…".
ALIASES_SHOWN = 20


def read_lines(report: ReadReport, summary: JsonReport) -> list[str]:
    """`kg read`: what was read, skipped and left out."""
    lines = [
        f"files read:        {summary['files']}",
        f"records read:      {summary['records_read']}",
        f"distinct papers:   {summary['distinct_papers']}",
        f"duplicates merged: {summary['duplicates_merged']}",
        f"records skipped:   {summary['skipped']}",
    ]
    for s in report.skipped:
        where = f"{s.source}:{s.line}" if s.line else s.source
        lines.append(f"  skipped {where}: {s.reason}")
    lines.append(f"not read:          {summary['ignored']} (inputs and directory entries left out)")
    lines += [f"  not read {s.source}: {s.reason}" for s in report.ignored]
    return lines


def eval_lines(result: JsonReport, show_errors: bool) -> list[str]:
    """`kg eval`: precision, recall and F1, type-agnostic and typed, overall and per type; then the errors."""
    lines = [
        f"{result['gold']}: {result['papers']} papers" if "gold" in result else f"{result['papers']} papers",
        f"{'':14}{'P':>7}{'R':>7}{'F1':>7}   {'P':>7}{'R':>7}{'F1':>7}",
        f"{'':14}{'type-agnostic':>21}   {'typed':>21}",
    ]
    rows = [("overall", result["type_agnostic"]["overall"], result["typed"]["overall"])]
    rows += [
        (t, result["type_agnostic"]["per_type"][t], result["typed"]["per_type"][t]) for t in result["typed"]["per_type"]
    ]
    for label, a, t in rows:
        lines.append(
            f"{label:14}{a['precision']:7.3f}{a['recall']:7.3f}{a['f1']:7.3f}   "
            f"{t['precision']:7.3f}{t['recall']:7.3f}{t['f1']:7.3f}"
        )
    origins = result.get("typed_by_origin")
    if origins:
        lines.append(f"{'typed, by origin':21}{'P':>7}{'R':>7}{'F1':>7}")
        for origin, label in (("catalog", "names in the catalog"), ("unknown", "unknown names")):
            o = origins[origin]
            lines.append(f"  {label:19}{o['precision']:7.3f}{o['recall']:7.3f}{o['f1']:7.3f}")
    if show_errors:
        lines += [
            f"{e['key']}\t{e['kind']}\t{e['type']}\t{e['name']}\t{' | '.join(e['surfaces'])}" for e in result["errors"]
        ]
    return lines


def fold_lines(folds: Sequence[Fold]) -> list[str]:
    """`kg evaluate --cross-validate`: per held-out set, the threshold fitted on the others and typed F1."""
    width = max(len(f["held_out"]) for f in folds)
    lines = [
        "cross-validation: the discovery threshold fitted on the other sets; typed F1",
        f"{'held out':{width}}  threshold  trained  held-out  shipped",
    ]
    for f in folds:
        lines.append(
            f"{f['held_out']:{width}}  {f['threshold']:9.2f}  {f['trained_f1']:7.3f}  {f['held_out_f1']:8.3f}"
            f"  {f['shipped_f1']:7.3f}"
        )
    return lines


def build_lines(r: BuildReport) -> list[tuple[str, bool]]:
    """`kg build`: the summary, as (line, on stderr) pairs: a query database that could not be written is a
    warning on stderr, in its place among the lines."""
    lines = [
        f"store:      {r.store}",
        f"read:       {r.records_read} records from {r.files} files, {r.skipped} skipped"
        + "".join(f"\n            skipped {n}: {why}" for why, n in r.skipped_reasons.items())
        + (f"\n            not read: {r.ignored} (inputs and directory entries left out)" if r.ignored else "")
        + "".join(f"\n              {n} {why}" for why, n in r.ignored_reasons.items()),
        f"papers:     {r.papers} ({r.papers_added} new, {r.records_merged} records merged into existing papers)",
    ]
    if r.catalogs:
        lines.append(
            "catalogs:   "
            + ", ".join(r.catalogs)
            + (" (the store's own, as no --catalog was given; --forget-catalogs drops them)" if r.catalogs_kept else "")
        )
    lines += [
        "entities:   " + ", ".join(f"{n} {t}" for t, n in r.entities.items()),
        f"links:      {r.mentions} MENTIONS, {r.introduces} INTRODUCES, {r.citations} CITES, {r.variant_of} VARIANT_OF",
        f"graph:      {r.nodes} nodes, {r.relationships} relationships",
    ]
    if r.query_db:
        lines.append(f"query db:   {r.query_db} ({r.query_db_seconds:.1f} s)")
    elif not r.query_db_error:
        lines.append("query db:   not built (--no-query-db); the first kg query builds it from the store")
    out = [(line, False) for line in lines]
    if r.query_db_error:
        out.append(
            (
                f"kg build: warning: the store is saved, but its query database was not: {r.query_db_error}; "
                "kg query builds it when first run",
                True,
            )
        )
    if r.stale_temp_files_removed:
        n = r.stale_temp_files_removed
        out.append((f"cleanup:    removed {n} temporary file{'s' if n != 1 else ''} left by interrupted saves", False))
    out.append((f"time:       {r.seconds:.1f} s", False))
    return out


def lookup_lines(r: LookupResult) -> list[str]:
    """`kg lookup`: an entity and what the graph knows about it."""
    lines = [
        f"{r.name}  [{r.type}]  id={r.id}  ({r.source}; matched {r.matched_by}"
        + (f" {r.score:.0f}" if r.matched_by == "fuzzy" else "")
        + ")"
    ]
    if r.description:
        lines.append(f"  {r.description}")
    details = [f"vendor {r.vendor}" if r.vendor else "", f"year {r.year}" if r.year else ""]
    if any(details):
        lines.append("  " + ", ".join(d for d in details if d))
    if r.aliases:
        lines.append(
            f"  aliases: {', '.join(r.aliases[:ALIASES_SHOWN])}" + (" …" if len(r.aliases) > ALIASES_SHOWN else "")
        )
    if r.variant_of:
        lines.append(f"  variant of: {', '.join(e.name for e in r.variant_of)}")
    if r.variants:
        lines.append(f"  variants: {', '.join(f'{e.name} ({e.papers})' for e in r.variants)}")
    lines += [f"  introduced by: {p.title}  [{p.id}]" for p in r.introduced_by]
    lines.append(f"  mentioned by {r.mention_count} paper{'s' if r.mention_count != 1 else ''}:")
    lines += [f"    - {p.title}  [{p.id}]  as {', '.join(repr(s) for s in p.surfaces)}" for p in r.mentioned_by]
    if r.mention_count > len(r.mentioned_by):
        lines.append(f"    … {r.mention_count - len(r.mentioned_by)} more (--limit)")
    if r.co_mentioned:
        lines.append("  co-mentioned: " + ", ".join(f"{e.name} [{e.type}] ({e.papers})" for e in r.co_mentioned))
    return lines


def named_query_lines(queries: Iterable[NamedQuery]) -> list[str]:
    """`kg query --list`: each named query, what it answers and its parameters."""
    lines = []
    for q in queries:
        ps = " ".join(f"--param {k}=…" for k in q.params)
        lines.append(f"{q.name}: {q.answers}" + (f"\n    {ps}" if ps else ""))
        for k, meaning in q.params.items():
            example = q.examples.get(k)
            lines.append(f"      {k}: {meaning}" + (f" (e.g. {example})" if example else ""))
    return lines


def result_table(result: QueryResult) -> str:
    """`kg query`: the rows as an aligned table (values cut at COLUMN_WIDTH), then the row count."""
    cells = [[terminal_safe(str(c)) for c in result.columns]] + [
        ["" if v is None else terminal_safe(str(v)) for v in row] for row in result.rows
    ]
    widths = [min(COLUMN_WIDTH, max(len(r[i]) for r in cells)) for i in range(len(result.columns))]
    lines = ["  ".join(v[:COLUMN_WIDTH].ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
    return "\n".join(lines)


def load_lines(r: LoadReport) -> list[str]:
    """`kg load`: where the graph went, what was written and what the server holds now."""
    s = r.schema_report
    return [
        f"neo4j:      {r.uri}" + (f" database {r.database}" if r.database else ""),
        f"schema:     {len(s.applied)} statements applied, {len(s.rejected)} rejected by the server",
        f"loaded:     {r.nodes} nodes, {r.relationships} relationships from {r.store}",
        f"writes:     {r.rows} rows in {r.batches} batches, {r.seconds:.1f} s, {r.rows_per_second:.0f} rows/s",
        f"created:    {r.nodes_created} nodes, {r.relationships_created} relationships "
        f"({r.properties_set} properties set)",
        f"server:     {r.server.nodes} nodes, {r.server.relationships} relationships",
    ]


def export_lines(r: ExportReport) -> list[str]:
    """`kg export`: what was written where, and the import command for neo4j-admin."""
    lines = [f"exported {r.nodes} nodes, {r.relationships} relationships as {r.format} to {r.path}"]
    if r.import_command:
        lines.append(f"import with the server stopped:\n  {r.import_command}")
    if r.stale_temp_files_removed:
        n = r.stale_temp_files_removed
        lines.append(f"cleanup: removed {n} temporary file{'s' if n != 1 else ''} left by interrupted exports")
    return lines


def stats_lines(s: JsonReport) -> list[str]:
    """`kg stats`: counts per label and relationship type, then the top entities per type."""
    lines = [f"{s['nodes']} nodes, {s['relationships']} relationships"]
    lines += [f"  :{label:<10} {n}" for label, n in s["labels"].items()]
    lines += [f"  [:{rel}] {n}" for rel, n in s["types"].items()]
    lines += [
        f"top {etype}: " + ", ".join(f"{i['name']} ({i['papers']})" for i in items)
        for etype, items in s["top_entities"].items()
    ]
    return lines
