"""Tests of the ``remgan`` command, including the study report opened in Chromium."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklearn_remgan import __version__
from sklearn_remgan.cli import main

# Tiny settings: the end-to-end run must stay within seconds.
TINY = [
    "--n-samples", "240", "--n-genes", "30", "--max-epochs", "2",
    "--n-components", "10", "--embedding", "pca", "--quiet",
]  # fmt: skip

# Appended to a copy of index.html: writes, once the page has loaded, each figure's
# natural width (0 when the image failed to decode) into the DOM.
_CHECK_SCRIPT = """
<script>
window.addEventListener("load", function () {
  var out = document.createElement("pre");
  out.id = "image-check";
  out.textContent = JSON.stringify(
    Array.from(document.querySelectorAll("img.report-figure")).map(function (img) {
      return [img.dataset.name, img.complete ? img.naturalWidth : 0];
    })
  );
  document.body.appendChild(out);
});
</script>
"""


def _remgan():
    # The console script installed beside this interpreter (venv or CI env).
    script = Path(sys.executable).parent / "remgan"
    assert script.exists(), f"the remgan console script is not installed: {script}"
    return str(script)


def _chromium_dom(html_file, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is needed (Debian package `chromium`, see .ci/run)"
    proc = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            html_file.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"remgan {__version__}"
    assert main([]) == 0
    assert "study" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["study", "--help"])
    assert "--covariate COL" in capsys.readouterr().out


@pytest.mark.slow
def test_study_end_to_end_report_opens_in_chromium(tmp_path):
    out = tmp_path / "report"
    proc = subprocess.run(
        [_remgan(), "study", "--out", str(out), "--random-state", "1", *TINY],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"report written to {out / 'index.html'}" in proc.stdout
    for stage in range(1, 9):
        assert f"[stage {stage}/8]" in proc.stderr
    assert "Traceback" not in proc.stderr

    page = (out / "index.html").read_text(encoding="utf-8")
    check = out / "check.html"
    check.write_text(page.replace("</body>", _CHECK_SCRIPT + "</body>"))
    dom = _chromium_dom(check, tmp_path)
    found = re.search(r'<pre id="image-check">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    images = dict(json.loads(found.group(1).replace("&quot;", '"')))
    expected = {"rem_distribution", "embedding", "recall_rem", "zero_recall"}
    assert expected <= set(images)
    assert all(width > 100 for width in images.values()), images
    for table in ("overall", "per_class", "rem_difference", "downstream", "settings"):
        assert f'id="table-{table}"' in dom
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["settings"]["max_epochs"] == 2
    assert sorted(metrics["figures"]) == sorted(images)
    for name in images:
        assert (out / "figures" / f"{name}.svg").stat().st_size > 0
    assert "[stage 4/8]" in (out / "study.log").read_text()


def test_study_refuses_to_overwrite(tmp_path, capsys):
    out = tmp_path / "report"
    out.mkdir()
    (out / "index.html").write_text("old report")
    assert main(["study", "--out", str(out), *TINY]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "--force" in err
    assert "Traceback" not in err
    assert (out / "index.html").read_text() == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


@pytest.fixture
def real_files(tmp_path, tcga_slice):
    """A real slice written as CSV matrix + annotation, as a user would pass it."""
    rows = np.r_[0:40, 208:248, 326:366]  # kidney, thyroid, liver
    ids = [f"s{i}" for i in range(rows.size)]
    X = pd.DataFrame(tcga_slice["X"][rows, :12], index=ids)
    X.columns = [f"g{j}" for j in range(12)]
    obs = pd.DataFrame(
        {
            "tissue": tcga_slice["y"][rows],
            "status": tcga_slice["status"][rows],
            "patient": tcga_slice["patient"][rows],
        },
        index=pd.Index(ids, name="sample_id"),
    )
    return tmp_path, X, obs


def _write(tmp_path, X, obs):
    data, annot = tmp_path / "data.csv", tmp_path / "obs.csv"
    X.to_csv(data, index_label="sample_id")
    obs.to_csv(annot)
    return str(data), str(annot)


@pytest.mark.parametrize(
    "case, message",
    [
        ("nan", "NaN"),
        ("unknown-column", "'nope'"),
        ("small-label", "label 'rare' has 3 sample(s)"),
        ("no-label", "--data needs --label"),
        ("device", "device must be 'cpu', 'cuda' or 'auto'; got 'tpu'"),
    ],
)
def test_study_bad_input_stops_before_training(real_files, capsys, case, message):
    tmp_path, X, obs = real_files
    extra = ["--label", "tissue", "--covariate", "status", "--group", "patient"]
    if case == "nan":
        X.iloc[5, 3] = np.nan
    elif case == "unknown-column":
        extra[3] = "nope"
    elif case == "small-label":
        obs.loc[obs.index[:3], "tissue"] = "rare"
    elif case == "no-label":
        extra = extra[2:]
    elif case == "device":
        extra += ["--device", "tpu"]
    data, annot = _write(tmp_path, X, obs)
    out = tmp_path / "report"
    code = main(["study", "--out", str(out), "--data", data, "--obs", annot, *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert "[stage 4/8]" not in err  # no training started
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "obs.csv"]
