"""The national benchmark: loads the national
dataset into PostgreSQL, then prints one table of server times, query counts, document and
import times and throughput, each beside its budget.

Run from a clean clone with `make bench` (PostgreSQL and Redis are started for the run).
Server time is measured in-process through Django's WSGI handler with every middleware, the
session and the user loaded from the database, production settings (DEBUG off, cached
templates); the floor is the smallest view on that stack (benchmarks/urls.py), timed in the
same run. Throughput is measured by wrk from a second process against gunicorn (2 workers)."""

import io
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

import django  # noqa: E402

django.setup()

import tablib  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from actions.resources import ActionSheetResource  # noqa: E402
from actions.review import review_pdf  # noqa: E402
from actions.spreadsheet_import import run_import  # noqa: E402
from benchmarks.documents import document_rows  # noqa: E402
from benchmarks.national_dataset import NARROW_USER, WIDE_USER, NationalDataset  # noqa: E402
from ctg.lib.spreadsheets import to_xlsx  # noqa: E402
from ctg.lifecycle import Status  # noqa: E402
from ctg.models import Convention  # noqa: E402
from territories.models import Membership, Organisation, Role, User  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "60"))
WARMUP = 5
# Budgets, as ratios to the floor's median measured in the same run.
MEDIAN_RATIO = 10
P95_RATIO = 15
SAVE_RATIO = 10


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


class Table:
    def __init__(self):
        self.rows = []
        self.misses = []

    def add(self, *cells, ok=True):
        self.rows.append([str(c) for c in cells] + ["" if ok is None else ("oui" if ok else "NON")])
        if ok is False:
            self.misses.append(cells[0])

    def print(self, headers):
        rows = [headers, *self.rows]
        widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
        lines = ["| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |" for row in rows]
        lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
        print("\n".join(lines))


def client_for(email):
    client = Client()
    if email:
        client.force_login(User.objects.get(email=email))
    return client


def measure(client, url, runs=RUNS):
    for _ in range(WARMUP):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    query_count = len(queries)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    reset_queries()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], query_count


def subjects():
    """The users and objects the pages are measured on: the largest of each, the worst case."""
    largest = Convention.objects.annotate(n=Count("parties")).order_by("-n", "pk")
    in_force = largest.filter(status=Status.IN_FORCE).first()
    deliberating = largest.filter(status=Status.DELIBERATIONS).first()
    biggest_caf = Organisation.objects.cafs().annotate(n=Count("owned_conventions")).order_by("-n", "pk").first()
    adviser = Membership.objects.filter(organisation=biggest_caf, role=Role.CAF_ADVISER).first().user
    coordinator = Membership.objects.filter(organisation__epci=in_force.epci, role=Role.COORDINATOR).first()
    own_adviser = Membership.objects.filter(organisation=in_force.caf, role=Role.CAF_ADVISER).first().user
    deliberating_adviser = Membership.objects.filter(organisation=deliberating.caf, role=Role.CAF_ADVISER).first()
    sheet = in_force.sheets.annotate(n=Count("updates")).order_by("-n", "pk").first()
    return {
        "in_force": in_force,
        "deliberating": deliberating,
        "caf": biggest_caf,
        "adviser": adviser.email,
        "coordinator": coordinator.user.email,
        "own_adviser": own_adviser.email,
        "deliberating_adviser": deliberating_adviser.user.email,
        "sheet": sheet,
    }


def pages(s):
    c, d = s["in_force"], s["deliberating"]
    kw = {"convention_pk": c.pk}
    caf_conventions = s["caf"].n
    wide = Convention.objects.for_user(User.objects.get(email=WIDE_USER)).count()
    narrow = Convention.objects.for_user(User.objects.get(email=NARROW_USER)).count()
    return [
        ("Page statique (le gabarit du site seul)", NARROW_USER, reverse("accessibility")),
        (f"Tableau de bord, {wide} conventions visibles", WIDE_USER, reverse("home")),
        (f"Tableau de bord, {narrow} conventions visibles", NARROW_USER, reverse("home")),
        (f"Liste des conventions, {wide} visibles", WIDE_USER, reverse("convention_list")),
        (f"Liste des conventions, {narrow} visibles", NARROW_USER, reverse("convention_list")),
        (f"Tableau de bord Caf ({caf_conventions} conventions)", s["adviser"], reverse("caf_dashboard")),
        (f"Convention ({c.n} parties)", s["own_adviser"], reverse("convention_detail", kwargs=kw)),
        ("Diagnostic", s["own_adviser"], reverse("diagnostic_detail", kwargs=kw)),
        (f"Plan d'action ({c.sheets.count()} fiches)", s["coordinator"], reverse("plan_detail", kwargs=kw)),
        ("Fiche action", s["coordinator"], reverse("sheet_detail", kwargs={**kw, "sheet_pk": s["sheet"].pk})),
        (f"Fiches de la Caf ({s['caf'].name})", s["adviser"], reverse("sheet_list")),
        (
            f"Circuit des délibérations ({d.n} parties)",
            s["deliberating_adviser"],
            reverse("workflow", kwargs={"convention_pk": d.pk}),
        ),
        (
            f"Délibérations ({d.n} parties)",
            s["deliberating_adviser"],
            reverse("deliberation_list", kwargs={"convention_pk": d.pk}),
        ),
        ("Page publique de la convention", None, reverse("public_convention", kwargs=kw)),
    ]


def page_table(table):
    """Each page as a user gets it, beside the floor measured in the same run: absolute times
    on a shared machine vary about 2× from run to run, the ratio to the floor holds."""
    s = subjects()
    floor_client = client_for(s["adviser"])
    floor_median, floor_p95, floor_queries = measure(floor_client, "/plancher/", runs=RUNS * 3)
    table.add(
        "Plancher (vue minimale)", f"{floor_median:.1f}", f"{floor_p95:.1f}", floor_queries, "1.0", "1.0", ok=None
    )
    clients = {}
    for label, email, url in pages(s):
        client = clients.setdefault(email, client_for(email))
        median, p95, queries = measure(client, url)
        add_ratio_row(table, label, median, p95, queries, floor_median)
    return s, floor_median


def add_ratio_row(table, label, median, p95, queries, floor_median):
    median_ratio, p95_ratio = median / floor_median, p95 / floor_median
    table.add(
        label,
        f"{median:.1f}",
        f"{p95:.1f}",
        queries,
        f"{median_ratio:.1f}",
        f"{p95_ratio:.1f}",
        ok=median_ratio <= MEDIAN_RATIO and p95_ratio <= P95_RATIO,
    )


def save_sheet_row(table, s, floor_median):
    """A pilot's update of the most followed sheet of the largest convention in force, posted
    as the follow-up form does (status, progress, a note), redirect included."""
    sheet = s["sheet"]
    client = client_for(s["coordinator"])
    url = reverse("sheet_follow_up", kwargs={"convention_pk": sheet.convention_id, "sheet_pk": sheet.pk})
    data = {"status": sheet.status, "progress": sheet.progress, "note": "Point d'étape du banc", "year": 2026}
    times = []
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    for i in range(WARMUP + RUNS):
        started = time.perf_counter()
        client.post(url, data)
        if i >= WARMUP:
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    median, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
    median_ratio = median / floor_median
    table.add(
        f"Enregistrer la mise à jour d'une fiche ({s['in_force'].n} parties)",
        f"{median:.1f}",
        f"{p95:.1f}",
        len(queries),
        f"{median_ratio:.1f}",
        f"{p95 / floor_median:.1f}",
        ok=median_ratio <= SAVE_RATIO,
    )


def review_and_import_rows(s):
    """The yearly review PDF of the largest convention in force, and 1,000 sheets imported
    from XLSX into a draft convention (preview, then the real import, as the user does)."""
    convention = s["in_force"]
    year = min(convention.end_date.year, convention.start_date.year + 1)
    seconds, pdf = timed(lambda: review_pdf(convention, year))
    rows = [
        (
            f"Bilan annuel {year} en PDF ({convention.sheets.count()} fiches)",
            f"{len(pdf) // 1024} Kio",
            f"{seconds:.2f} s",
            "< 5 s",
            seconds < 5,
        )
    ]

    draft = Convention.objects.filter(status=Status.DRAFT).annotate(n=Count("parties")).order_by("-n").first()
    exported = ActionSheetResource(draft).export()
    dataset = tablib.Dataset(headers=exported.headers)
    id_column = exported.headers.index("identifiant")
    title_column = exported.headers.index("intitulé")
    for i in range(1000):
        row = list(exported[i % len(exported)])
        row[id_column] = ""
        row[title_column] = f"{row[title_column]} ({i + 1})"
        dataset.append(row)
    raw = to_xlsx(dataset)
    before = draft.sheets.count()
    preview, report = timed(lambda: run_import(draft, "fiches.xlsx", raw, dry_run=True))
    assert not report.errors, report.errors[:3]
    imported, report = timed(lambda: run_import(draft, "fiches.xlsx", raw, dry_run=False))
    created = draft.sheets.count() - before
    rows.append(
        (
            f"Import XLSX de {created} fiches",
            f"{len(raw) // 1024} Kio",
            f"aperçu {preview:.1f} s + import {imported:.1f} s",
            "< 10 s",
            preview + imported < 10,
        )
    )
    return rows


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def throughput_rows(s):
    """Requests per second of gunicorn (2 sync workers) under wrk (2 threads, 8 connections,
    from another process), on the dashboard of the 300-convention user and on the floor."""
    if not shutil.which("wrk"):
        return [("Débit (wrk absent)", "", "", "", None)]
    client = client_for(WIDE_USER)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "benchmarks.settings", "DJANGO_ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "ctg.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "--error-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
    )
    rows = []
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        results = {}
        for label, path in (("plancher", "/plancher/"), ("tableau de bord", "/")):
            url = f"http://127.0.0.1:{port}{path}"
            subprocess.run(["wrk", "-t2", "-c8", "-d3s", "-H", f"Cookie: {cookie}", url], capture_output=True)
            out = subprocess.run(
                ["wrk", "-t2", "-c8", "-d15s", "--latency", "-H", f"Cookie: {cookie}", url],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert "Non-2xx" not in out, out
            results[label] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
            p99 = re.search(r"Latency Distribution.*?\n\s+99%\s+(\S+)", out, re.S).group(1)
            rows.append(
                (
                    f"Débit, {label} (gunicorn 2 workers, wrk 8 connexions)",
                    f"p99 {p99}",
                    f"{results[label]:.0f} req/s",
                    "",
                    None,
                )
            )
        ratio = results["tableau de bord"] / results["plancher"]
        # The same ratio as the pages' median budget, seen from a second process under load.
        rows.append(
            (
                "Débit du tableau de bord / débit du plancher",
                "",
                f"{ratio:.2f}",
                f"≥ 1/{MEDIAN_RATIO}",
                ratio >= 1 / MEDIAN_RATIO,
            )
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return rows


def main():
    timings = []
    call_command("migrate", verbosity=0)
    if not Convention.objects.exists():
        geography, _ = timed(lambda: call_command("import_geography", stdout=io.StringIO()))
        timings.append(
            ("Chargement de la géographie", "35 000 communes", f"{geography:.1f} s", "< 60 s", geography < 60)
        )
        dataset, report = timed(lambda: NationalDataset(out=print).build())
        print("\n".join(f"  {line}" for line in report.lines()))
        timings.append(("Jeu national", "1 300 conventions", f"{dataset:.0f} s", "< 10 min", dataset < 600))
    call_command("collectstatic", interactive=False, verbosity=0)
    table = Table()
    s, floor_median = page_table(table)
    save_sheet_row(table, s, floor_median)
    others = Table()
    for row in [*timings, *document_rows(), *review_and_import_rows(s), *throughput_rows(s)]:
        others.add(*row[:4], ok=row[4])
    print()
    print(f"Temps serveur en ms ({RUNS} requêtes par page après {WARMUP} de chauffe), sans cache de pages ;")
    print(f"budgets : médiane ≤ {MEDIAN_RATIO}× et p95 ≤ {P95_RATIO}× la médiane du plancher,")
    print(f"enregistrement d'une fiche ≤ {SAVE_RATIO}× le plancher.")
    table.print(["page", "médiane", "p95", "requêtes", "médiane / plancher", "p95 / plancher", "tenu"])
    print()
    others.print(["mesure", "taille", "temps", "budget", "tenu"])
    print(f"\nMémoire maximale du processus : {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} Mio")
    misses = table.misses + others.misses
    print("Budgets tenus." if not misses else f"Budgets manqués : {', '.join(misses)}")
    if misses:
        sys.exit(1)


if __name__ == "__main__":
    main()
