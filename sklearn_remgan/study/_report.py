"""Write a study's result as a report folder a person opens in a browser.

Layout: ``index.html`` (figures embedded, tables, settings, versions, provenance),
``figures/NAME.png`` and ``.svg``, ``tables/NAME.csv``, ``metrics.json`` and
``study.log``. The folder is written under a temporary name beside the target and
renamed at the end, so a failure never leaves a half-written report.
"""

import base64
import datetime
import html
import importlib.metadata
import json
import os
import platform
import shutil
import tempfile
from pathlib import Path

from sklearn_remgan.study._layout import FIGURE_TITLES, GLOSSARY, PAPER, TABLE_TITLES

__all__ = ["check_report_target", "write_report"]

_VERSIONED = (
    "sklearn-remgan",
    "numpy",
    "scipy",
    "pandas",
    "scikit-learn",
    "imbalanced-learn",
    "torch",
    "skorch",
    "matplotlib",
    "umap-learn",
    "POT",
)

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; }
figure { margin: 1em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .9em; color: #555; }
.table-wrap { overflow-x: auto; margin: .5em 0 1.5em; }
table { border-collapse: collapse; font-size: .82em; }
th, td { border: 1px solid #ddd; padding: .25em .5em; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
.verdict { background: #f7f9fc; border: 1px solid #dde4f0; padding: .4em 1em; }
.verdict li { margin: .25em 0; } .holds { color: #1a6b2a; font-weight: 600; }
.nothold { color: #a4321e; font-weight: 600; } .untested { color: #666; }
.conf { color: #555; font-size: .9em; }
.warnings { background: #fff4e5; border: 1px solid #f0b467; padding: .4em 1em; }
code { background: #f4f4f4; padding: 0 .2em; }
"""


def check_report_target(out, *, force=False):
    """Refuse an existing report folder unless ``force``; return the resolved path.

    Parameters
    ----------
    out : str or path-like
        Report folder to be written.
    force : bool, default=False
        Allow replacing an existing folder.

    Returns
    -------
    out : Path
        The absolute target path.

    Raises
    ------
    FileExistsError
        When ``out`` exists and ``force`` is False, or is a file.
    FileNotFoundError
        When the parent folder does not exist.
    PermissionError
        When no folder can be created in the parent folder.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_remgan.study import check_report_target
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_report_target(tmp)
    Traceback (most recent call last):
    ...
    FileExistsError: the report folder ... already exists; ...
    """
    out = Path(out).expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise FileExistsError(
            f"the report path {out} exists and is not a folder; choose another --out."
        )
    if out.exists() and not force:
        raise FileExistsError(
            f"the report folder {out} already exists; choose another --out or pass "
            "--force (force=True) to replace it."
        )
    if not out.parent.is_dir():
        raise FileNotFoundError(
            f"the parent folder of the report, {out.parent}, does not exist."
        )
    try:
        # The report is written beside the target and renamed: the parent must
        # take a new folder. Tried now, before hours of training.
        Path(tempfile.mkdtemp(prefix=f".{out.name}.probe-", dir=out.parent)).rmdir()
    except OSError as exc:
        raise PermissionError(
            f"the report cannot be written: the folder {out.parent} is not "
            f"writable ({exc.strerror or exc}); choose another --out."
        ) from None
    return out


def _versions():
    found = {"python": platform.python_version()}
    for dist in _VERSIONED:
        try:
            found[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            found[dist] = "not installed"
    return found


def _fmt(value):
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _table_html(name, frame):
    body = frame.to_html(
        index=False,
        float_format=lambda v: f"{v:.4g}",
        na_rep="",
        border=0,
        classes="report-table",
        table_id=f"table-{name}",
    )
    return f'<div class="table-wrap">{body}</div>'


def _kv_table(name, mapping):
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_fmt(v))}</td></tr>"
        for k, v in mapping.items()
    )
    return f'<table id="table-{name}" class="report-table">{rows}</table>'


_VERDICT_CLASS = {"holds": "holds", "does not hold": "nothold"}

#: Rows of a table shown in the page (the CSV has all of them).
_MAX_HTML_ROWS = 60


def _verdict_html(result):
    """The verdict block: one line per finding, then the baselines' position."""
    items = []
    for row in result.tables["verdict"].to_dict(orient="records"):
        css = _VERDICT_CLASS.get(row["verdict"], "untested")
        items.append(
            f'<li data-finding="{html.escape(row["finding"])}">'
            f"{html.escape(row['claim'])}: "
            f'<span class="{css}">{html.escape(row["verdict"])}</span>. '
            f"{html.escape(row['numbers'])} "
            f"(paper: {html.escape(row['paper'])}). "
            f'<span class="conf">{html.escape(row["confidence"])}</span></li>'
        )
    position = html.escape(result.position)
    return (
        '<div class="verdict" id="verdict"><h2>Verdict: '
        f"{html.escape(result.sampler_name)}</h2>"
        f'<p id="paper">The findings of {html.escape(PAPER)}, tested on this run: '
        "this run's numbers first, the paper's in brackets.</p>"
        f"<ul>{''.join(items)}</ul>"
        f'<p id="position"><b>Against the baselines</b> (real held-out rows = '
        f"ceiling, SMOTE = floor, same rows): {position}.</p></div>"
    )


def _warnings_html(warnings):
    if not warnings:
        return (
            '<div class="warnings" id="warnings"><b>Run health:</b> no warning.</div>'
        )
    items = "".join(f"<li>{html.escape(w)}</li>" for w in warnings)
    return (
        f'<div class="warnings" id="warnings"><b>Run health: {len(warnings)} '
        f"warning(s)</b><ul>{items}</ul></div>"
    )


def _glossary_html():
    rows = "".join(
        f"<tr><th>{html.escape(term)}</th><td>{html.escape(text)}</td></tr>"
        for term, text in GLOSSARY.items()
    )
    return f'<table id="table-glossary" class="report-table glossary">{rows}</table>'


def _index_html(result, figure_files, table_files, versions, created):
    sec_html = []
    for section in result.sections:
        chunk = [f"<h2>{html.escape(section['title'])}</h2>"]
        chunk.append(f"<p>{html.escape(section['text'])}</p>")
        for name in section["figures"]:
            png = figure_files[name]["png"]
            data = base64.b64encode(png.read_bytes()).decode("ascii")
            title = FIGURE_TITLES.get(name, name)
            chunk.append(
                f'<figure id="figure-{name}"><img class="report-figure" '
                f'data-name="{name}" alt="{html.escape(title)}" '
                f'src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(title)} "
                f'(<a href="figures/{name}.png">PNG</a>, '
                f'<a href="figures/{name}.svg">SVG</a>)</figcaption></figure>'
            )
        for name in section["tables"]:
            title = TABLE_TITLES.get(name, name)
            chunk.append(
                f"<h3>{html.escape(title)} "
                f'<small>(<a href="tables/{name}.csv">CSV</a>)</small></h3>'
            )
            frame = result.tables[name]
            if len(frame) > _MAX_HTML_ROWS:
                chunk.append(
                    f"<p>{len(frame)} rows; the first {_MAX_HTML_ROWS} are shown, "
                    "the CSV has all.</p>"
                )
                frame = frame.head(_MAX_HTML_ROWS)
            chunk.append(_table_html(name, frame))
        sec_html.append("\n".join(chunk))
    settings = dict(result.settings)
    provenance = {
        k: (json.dumps(v) if isinstance(v, (dict, list)) else v)
        for k, v in result.provenance.items()
    }
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>remgan study report</title>
<style>{_CSS}</style>
</head>
<body>
<h1>Where does {html.escape(result.sampler_name)} fail, and can it be trusted?</h1>
<p>Written {html.escape(created)} by sklearn-remgan
{html.escape(versions["sklearn-remgan"])}. Files:
<a href="metrics.json">metrics.json</a>, <a href="study.log">study.log</a>,
figures (PNG, SVG) and tables (CSV, among them
<a href="tables/blind_spots.csv">blind_spots.csv</a>) beside this page.</p>
{_verdict_html(result)}
{_warnings_html(result.warnings)}
{"".join(sec_html)}
<h2>Glossary</h2>
{_glossary_html()}
<h2>Settings</h2>
{_kv_table("settings", settings)}
<h2>Data provenance</h2>
{_kv_table("provenance", provenance)}
<h2>Versions</h2>
{_kv_table("versions", versions)}
<h2>Timings (seconds)</h2>
{_kv_table("timings", result.timings)}
</body>
</html>
"""


def write_report(result, out, *, force=False, log_text=""):
    """Write the report folder of a :func:`run_study` result.

    Parameters
    ----------
    result : Bunch
        What :func:`run_study` returned.
    out : str or path-like
        Report folder; must not exist unless ``force``.
    force : bool, default=False
        Replace an existing folder (only once the new report is complete).
    log_text : str, default=""
        The study's log, written to ``study.log``.

    Returns
    -------
    out : Path
        The written folder.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn_remgan.study import run_study, write_report
    >>> result = run_study(n_samples=300, n_genes=10, max_epochs=1, n_components=3,
    ...                    embedding="pca", align=False, verbose=0)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = write_report(result, Path(tmp) / "report")
    ...     sorted(p.name for p in out.iterdir())
    ['figures', 'index.html', 'metrics.json', 'study.log', 'tables']
    """
    out = check_report_target(out, force=force)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        fig_dir, tab_dir = tmp / "figures", tmp / "tables"
        fig_dir.mkdir()
        tab_dir.mkdir()
        figure_files = {}
        for name, disp in result.displays.items():
            fig = disp.figure_
            png, svg = fig_dir / f"{name}.png", fig_dir / f"{name}.svg"
            fig.savefig(png, dpi=110)
            fig.savefig(svg)
            figure_files[name] = {"png": png, "svg": svg}
        for name, frame in result.tables.items():
            frame.to_csv(tab_dir / f"{name}.csv", index=False)
        versions = _versions()
        created = datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        )
        payload = {
            "created": created,
            "settings": result.settings,
            "provenance": result.provenance,
            "versions": versions,
            "timings": result.timings,
            "metrics": result.metrics,
            "history": result.history,
            "figures": sorted(figure_files),
            "tables": sorted(result.tables),
        }
        (tmp / "metrics.json").write_text(
            json.dumps(_clean(payload), indent=2, allow_nan=False), encoding="utf-8"
        )
        (tmp / "study.log").write_text(log_text, encoding="utf-8")
        (tmp / "index.html").write_text(
            _index_html(result, figure_files, result.tables, versions, created),
            encoding="utf-8",
        )
        os.chmod(tmp, 0o755)
        if out.exists():
            # Move the old report aside first so that a failed rename keeps it.
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            old.rmdir()
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def _clean(value):
    """Make ``value`` strict JSON: numpy scalars to Python, NaN/inf to null."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_clean(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    return str(value)
