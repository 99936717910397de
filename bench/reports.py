"""Benchmark of the PDF reports; prints ratios measured in one run and fails when a goal is missed.

1. Speed: the outlet report (three visits, one with a 50-row table of failed items, 6 photos,
   the trend chart and a bar per section) issued as the server issues it
   (built by ReportLab with its verification code and QR code, signed with PAdES, hashed)
   against the same content rendered by WeasyPrint from HTML. Goal: at least 8 times faster.
   Also printed: the unsigned build's ratio and what signing alone costs.
2. Memory: peak RSS of a process after 1,000 reports against its peak after the first.
   Goal: at most 1.2.
3. Scale: a wave of 200 outlet reports with 2 worker processes against 1. Goal: at least 1.8
   times the throughput (needs 2 idle cores).

Usage: python bench/reports.py [--quick]
"""

from __future__ import annotations

import argparse
import base64
import html
import multiprocessing
import os
import pickle
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder would come first on sys.path and its own name
# ("reports") would hide the `reports` package: put the repository root there instead.
sys.path[0] = str(ROOT)

from bench._timing import medians  # noqa: E402
from reports import build_outlet_report, to_svg, trend_chart  # noqa: E402
from reports.model import OutletReportData  # noqa: E402
from tests.reports.samples import outlet_report_data  # noqa: E402

LANG = "pl"
SPEED_GOAL = 8.0
MEMORY_GOAL = 1.2
SCALE_GOAL = 1.8


def bench_data() -> OutletReportData:
    """The benchmark report: three visits, 50 failed items on the first (the long table), 6
    photos, the trend chart."""
    return outlet_report_data(LANG, failed_items=50, photos=6)


def as_html(data: OutletReportData) -> str:
    """The same content as the ReportLab outlet report, as HTML/CSS for WeasyPrint."""

    def text(value: object) -> str:
        return html.escape(str(value))

    def image(jpeg: bytes) -> str:
        encoded = base64.b64encode(jpeg).decode()
        return f'<img src="data:image/jpeg;base64,{encoded}">'

    def bar(percent: float | None, network: float | None) -> str:
        width = 0 if percent is None else percent
        tick = "" if network is None else f'<i style="left:{network}%"></i>'
        return f'<div class="bar"><b style="width:{width}%"></b>{tick}</div>'

    result = data.result
    strip = "".join(
        f"<tr><td>{visit.number}</td><td>{visit.day}</td><td>{visit.channel}</td>"
        f"<td><b>{visit.percent}% · {visit.band}</b></td>"
        f"<td>{'Yes' if visit.critical_items else '—'}</td><td>{visit.dispute}</td></tr>"
        for visit in data.visits
    )
    why = "".join(
        f"<p>Visit {visit.number} ({visit.channel}, {visit.day}) scored {visit.percent}% because "
        f"it failed a critical item, {text(', '.join(visit.critical_items))}: the checklist "
        f"caps such a visit at {visit.critical_cap}%.</p>"
        for visit in data.visits
        if visit.critical_items
    )
    fix = "".join(
        f"<tr><td>{number}</td><td><b>{text(item.text)}</b><br><small>{text(item.section)} · "
        f"Failed on {item.failed_visits} of {item.visits} visits. The network passes it in "
        f"{item.network_pass_rate or 0:.0%} of visits.</small></td>"
        f'<td class="num">{item.points_lost} points lost</td></tr>'
        for number, item in enumerate(data.fix_first, start=1)
    )
    strengths = "".join(
        f"<tr><td>✓</td><td><b>{text(s.text)}</b><br><small>{text(s.section)} · Passed on all "
        f"{s.visits} visits. The network passes it in {s.network_pass_rate:.0%} of visits."
        "</small></td></tr>"
        for s in data.strengths
    )
    details = ""
    for visit in data.visits:
        sections = "".join(
            f'<tr><td>{text(section.title)}</td><td class="num">{section.percent}%</td>'
            f"<td>{bar(section.percent, section.network_average)}</td>"
            f'<td class="num">{section.network_average}%</td></tr>'
            for section in visit.sections
        )
        failed = "".join(
            f'<tr class="{"critical" if item.critical else ""}"><td>'
            + ("<b class=crit>Critical failure</b><br>" if item.critical else "")
            + f"<b>{text(item.text)}</b><br><small>{text(item.section)}</small>"
            + (f"<br><i>Comment: {text(item.comment)}</i>" if item.comment else "")
            + (f'<div class="photos">{"".join(image(t) for t in item.thumbnails)}</div>')
            + f'</td><td class="num">{item.points_lost:.1f}</td></tr>'
            for item in sorted(visit.failed_items, key=lambda item: not item.critical)
        )
        disputes = "".join(
            f"<tr><td>{text(d.item)}</td><td>{d.decision}</td><td>{text(d.reason)}</td>"
            f"<td>{d.decided_on}</td></tr>"
            for d in visit.disputes
        )
        details += (
            f"<h3>Visit {visit.number} · {visit.day} · {visit.channel} · {visit.percent}%</h3>"
            "<table><thead><tr><th>Section</th><th>This visit</th><th></th>"
            f"<th>Network average</th></tr></thead><tbody>{sections}</tbody></table>"
            "<table><thead><tr><th>Failed item</th><th>Points lost</th></tr></thead>"
            f"<tbody>{failed}</tbody></table>"
            + (
                "<table><thead><tr><th>Disputed item</th><th>Decision</th><th>Reason</th>"
                f"<th>Decided on</th></tr></thead><tbody>{disputes}</tbody></table>"
                if disputes
                else ""
            )
        )
    actions = {
        state: "".join(
            f"<tr><td>{text(a.item)}</td><td>Visit {a.visit_number or a.visit_wave} · "
            f"{a.visit_day}</td><td>{text(a.owner) or 'No owner yet'}</td><td>{a.due}</td>"
            f"<td>{a.status}</td></tr>"
            for a in data.corrective_actions
            if (a.status == "open") == (state == "open")
        )
        for state in ("open", "done")
    }
    standing = data.standing
    rank = (
        ""
        if standing is None or standing.rank is None
        else (f"{standing.rank.position} of {standing.rank.out_of} in the network")
    )
    return f"""<!doctype html><html lang="{LANG}"><head><meta charset="utf-8">
<title>Outlet quality report: {text(data.outlet.name)}</title><style>
@page {{ size: A4; margin: 22mm 18mm 18mm;
  @top-left {{ content: "{text(data.client)}"; font: bold 8pt "DejaVu Sans"; }}
  @top-right {{ content: "Outlet quality report · {text(data.wave)}";
    font: 8pt "DejaVu Sans"; }}
  @bottom-right {{ content: "Page " counter(page) " of " counter(pages);
    font: 7.5pt "DejaVu Sans"; }}
}}
body {{ font: 9.5pt/1.3 "DejaVu Sans"; color: #1a1a1a; }}
h2 {{ color: #0072b2; font-size: 13pt; }} h1 {{ font-size: 20pt; margin: 0; }}
h3 {{ font-size: 10.5pt; }}
table {{ width: 100%; border-collapse: collapse; font-size: 8.5pt; }}
thead {{ display: table-header-group; }}
th {{ background: #1a1a1a; color: white; text-align: left; }}
td, th {{ padding: 3px; vertical-align: top; border-bottom: 0.25pt solid #b3b3b3; }}
tr:nth-child(even) td {{ background: #f2f2f2; }} tr {{ page-break-inside: avoid; }}
tr.critical td {{ border: 1.8pt solid #d55e00; }} .crit {{ color: #d55e00; }}
.num {{ text-align: right; }}
.bar {{ position: relative; width: 52mm; height: 7pt; background: #f2f2f2; }}
.bar b {{ display: block; height: 7pt; background: #0072b2; }}
.bar i {{ position: absolute; top: -1pt; width: 1.4pt; height: 9pt; background: #1a1a1a; }}
.photos img {{ max-width: 38mm; max-height: 30mm; margin-right: 2mm; }}
.score {{ background: #f0e442; width: 62mm; text-align: center; font-size: 34pt;
  font-weight: bold; border: 3pt solid #1a1a1a; float: left; margin-right: 6mm; }}
</style></head><body>
<h2>Summary</h2><h1>{text(data.outlet.name)}</h1>
<p>{text(data.outlet.code)} · {text(data.outlet.address)} · {text(data.outlet.region)}</p>
<p>Client {text(data.client)}<br>Wave {text(data.wave)}<br>Visits {result.visits}</p>
<div class="score">{result.percent}%<br>
<small>{result.band} · Not passed · Pass mark {result.pass_mark}% · Provisional</small></div>
<p>Change against {text(result.previous_wave)}: {result.change} points (then
{result.previous_percent}%)</p><p>Position: {rank}. In the top third of the network.
Not clearly different from the {standing.alike if standing else 0} outlets around it.</p>
<h2 style="clear: both">This wave's visits</h2><table><thead><tr><th>#</th><th>Date</th>
<th>Channel</th><th>Score</th><th>Critical failure</th><th>Dispute</th></tr></thead>
<tbody>{strip}</tbody></table>{why}
<h2>Fix these first</h2><table><tbody>{fix}</tbody></table>
<h2>What went well</h2><table><tbody>{strengths}</tbody></table>
<h2>Trend over the waves</h2>{to_svg(trend_chart(data.trend, LANG))}
<h2>Visit details</h2>{details}
<h2>Corrective actions</h2><h3>Open</h3><table><thead><tr><th>Item</th><th>Visit</th>
<th>Owner</th><th>Due date</th><th>Status</th></tr></thead><tbody>{actions["open"]}</tbody>
</table><h3>Done</h3><table><thead><tr><th>Item</th><th>Visit</th><th>Owner</th>
<th>Due date</th><th>Status</th></tr></thead><tbody>{actions["done"]}</tbody></table>
</body></html>"""


def page_count(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def speed(rounds: int) -> float:
    """CPU time of each way of making the report, measured in interleaved rounds (median), so
    that other work on the machine weighs on all of them alike."""
    from weasyprint import HTML

    from reports.signing import ReportSigner, new_signing_key, self_signed_certificate, sign_pdf
    from server.reporting.issuing import signed_report

    key = new_signing_key()
    signer = ReportSigner.from_pem(self_signed_certificate(key, "Bench"), key)
    data = bench_data()
    markup = as_html(data)
    public_url = "https://audits.example.test"
    issued = signed_report(data, LANG, signer, public_url)
    unsigned_pdf = build_outlet_report(data, LANG)
    weasy_pdf = HTML(string=markup).write_pdf()
    times = medians(
        {
            "unsigned": lambda: build_outlet_report(data, LANG),
            "issued": lambda: signed_report(data, LANG, signer, public_url),
            "signing": lambda: sign_pdf(unsigned_pdf, signer),
            "weasyprint": lambda: HTML(string=markup).write_pdf(),
        },
        rounds=rounds,
        calls_per_round=1,
    )
    ratio = times["weasyprint"] / times["issued"]
    print(
        f"speed (CPU time per report): WeasyPrint {times['weasyprint'] * 1000:.0f} ms "
        f"({page_count(weasy_pdf)} pages, {len(weasy_pdf) // 1024} KiB); ReportLab unsigned "
        f"{times['unsigned'] * 1000:.0f} ms ({page_count(unsigned_pdf)} pages, "
        f"{len(unsigned_pdf) // 1024} KiB): {times['weasyprint'] / times['unsigned']:.1f}x"
    )
    print(
        f"speed: issued as the server does (code, QR, PAdES signature, SHA-256) "
        f"{times['issued'] * 1000:.0f} ms ({len(issued.pdf) // 1024} KiB): {ratio:.1f}x faster "
        f"than WeasyPrint (goal >= {SPEED_GOAL}); signing alone {times['signing'] * 1000:.1f} ms"
    )
    return ratio


def memory_child(data_file: str, reports: int) -> None:
    """In a fresh process: peak RSS after the first report and after `reports` of them.

    The data comes pickled from the parent, so that making the thumbnails (decoding a 8 MP
    HEIC) does not inflate the first peak and hide a leak.
    """
    data = pickle.loads(Path(data_file).read_bytes())  # our own file, just written
    build_outlet_report(data, LANG)
    first = peak_rss_kib()
    for _ in range(reports - 1):
        build_outlet_report(data, LANG)
    print(first, peak_rss_kib())


def peak_rss_kib() -> int:
    """This process's peak resident memory (Linux VmHWM). Not `getrusage`: its ru_maxrss
    carries the parent's peak over fork and exec, which would hide the child's own."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])


def memory(reports: int) -> float:
    with tempfile.NamedTemporaryFile(suffix=".pickle") as data_file:
        data_file.write(pickle.dumps(bench_data()))
        data_file.flush()
        output = subprocess.run(
            [sys.executable, __file__, "--memory-child", data_file.name, str(reports)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    first, last = (int(value) for value in output.split())
    ratio = last / first
    print(
        f"memory: peak RSS {first / 1024:.0f} MiB after 1 report, {last / 1024:.0f} MiB after "
        f"{reports}: {ratio:.2f}x (goal <= {MEMORY_GOAL})"
    )
    return ratio


_wave: list[OutletReportData] = []


def _build(index: int) -> float:
    """Build one report of the wave; return the CPU seconds it took."""
    started = time.process_time()
    build_outlet_report(_wave[index], LANG)
    return time.process_time() - started


def _warm_up() -> None:
    build_outlet_report(_wave[0], LANG)


def wave_seconds(processes: int) -> tuple[float, float]:
    """Wall-clock seconds for the whole wave, and the CPU seconds the reports took in all."""
    # Forked workers inherit the wave's data; each builds one report before timing starts.
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, initializer=_warm_up) as pool:
        pool.map(_build, range(processes), chunksize=1)
        started = time.perf_counter()
        cpu_seconds = sum(pool.map(_build, range(len(_wave)), chunksize=4))
        return time.perf_counter() - started, cpu_seconds


def scale(outlets: int, trials: int) -> float:
    """Throughput of 2 worker processes over 1, best of `trials` alternating runs (other work
    on the machine only ever makes a run slower, so the best run is the least disturbed)."""
    base = outlet_report_data(LANG)
    _wave.extend([base] * outlets)
    load_before = os.getloadavg()[0]
    one = two = float("inf")
    one_cpu = two_cpu = 0.0
    for _ in range(trials):
        wall, cpu = wave_seconds(1)
        if wall < one:
            one, one_cpu = wall, cpu
        wall, cpu = wave_seconds(2)
        if wall < two:
            two, two_cpu = wall, cpu
    ratio = one / two
    busy = max(load_before, os.getloadavg()[0])
    print(
        f"scale: {outlets} outlet reports in {one:.1f} s with 1 process, {two:.1f} s with 2: "
        f"{ratio:.2f}x throughput (goal >= {SCALE_GOAL}; {os.cpu_count()} cores, "
        f"load average up to {busy:.1f}{': the machine was busy' if busy > 0.5 else ''})"
    )
    # Equal CPU per report in both runs means the workers share nothing: a shortfall in the
    # ratio then comes from cores taken by other work, not from the report code.
    print(
        f"scale: CPU per report {one_cpu / outlets * 1000:.0f} ms with 1 process, "
        f"{two_cpu / outlets * 1000:.0f} ms with 2"
    )
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--memory-child", nargs=2, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    warnings.simplefilter("ignore")  # third-party deprecation noise is not what is measured
    if arguments.memory_child:
        data_file, reports = arguments.memory_child
        memory_child(data_file, int(reports))
        return 0
    quick = arguments.quick
    results = {
        "speed": speed(rounds=7 if quick else 21) >= SPEED_GOAL,
        "memory": memory(200 if quick else 1000) <= MEMORY_GOAL,
        "scale": scale(60 if quick else 200, trials=2) >= SCALE_GOAL,
    }
    missed = [name for name, met in results.items() if not met]
    if missed:
        print(f"goals missed: {', '.join(missed)}")
        return 1
    print("all goals met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
