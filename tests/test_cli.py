"""Tests of the ``remgan`` command, including the study report opened in Chromium."""

import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sklearn_remgan import __version__
from sklearn_remgan.cli import main
from sklearn_remgan.study._stages import STAGES

# Tiny settings: the end-to-end run must stay within seconds.
TINY = [
    "--sampler", "wgan-gp", "--n-samples", "240", "--n-genes", "30",
    "--max-epochs", "2", "--n-components", "10", "--embedding", "pca", "--quiet",
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
    help_text = capsys.readouterr().out
    assert "--covariate COL" in help_text
    assert "{wgan-gp,ddpm}" in help_text
    assert "--seeds" in help_text
    assert re.search(r"paper's\s+exact\s+settings", help_text)


def test_help_loads_no_study_code():
    # `remgan --help` must not wait for the study's imports (pandas, matplotlib,
    # the stages): only what `import sklearn_remgan` itself loads.
    code = (
        "import sys, sklearn_remgan; before = set(sys.modules)\n"
        "from sklearn_remgan.cli import main\n"
        "try:\n    main(['study', '--help'])\nexcept SystemExit:\n    pass\n"
        "new = set(sys.modules) - before\n"
        "print(sorted(m for m in new if m.startswith(('sklearn_remgan.study._run', "
        "'sklearn_remgan.study._stages', 'matplotlib', 'umap', 'ot.'))))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_cli_import_and_help_load_no_torch():
    # The package root re-exports its estimators lazily: the command line and
    # its help must not pay for torch (seconds) or scikit-learn.
    code = (
        "import sys\n"
        "import sklearn_remgan.cli\n"
        "import sklearn_remgan\n"
        "heavy = ('torch', 'skorch', 'sklearn', 'pandas', 'scipy')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "try:\n    sklearn_remgan.cli.main(['study', '--help'])\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "print(set(sklearn_remgan.__all__) <= set(dir(sklearn_remgan)))\n"
        "print(sklearn_remgan.WGANGPSampler.__module__, 'torch' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "[]"
    assert lines[-3] == "[]"
    assert lines[-2] == "True"
    # The names still resolve, and only then is torch loaded.
    assert lines[-1] == "sklearn_remgan.over_sampling._wgan_gp True"


def test_package_root_names():
    import sklearn_remgan

    assert sklearn_remgan.__all__ == [
        "DDPMSampler",
        "OTAligner",
        "PRScorer",
        "REMScorer",
        "WGANGPSampler",
        "__version__",
    ]
    assert set(sklearn_remgan.__all__) <= set(dir(sklearn_remgan))
    from sklearn_remgan.alignment import OTAligner
    from sklearn_remgan.metrics import PRScorer

    assert sklearn_remgan.OTAligner is OTAligner
    assert sklearn_remgan.PRScorer is PRScorer
    from sklearn_remgan.over_sampling import DDPMSampler

    assert sklearn_remgan.DDPMSampler is DDPMSampler
    with pytest.raises(AttributeError, match="has no attribute 'DDPM'"):
        getattr(sklearn_remgan, "DDPM")


def test_study_with_the_ddpm_sampler(tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["study", "--out", str(out), *TINY, "--sampler", "ddpm"]) == 0
    assert "DDPMSampler" in capsys.readouterr().err  # the fit stage's log line
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Where does DDPMSampler fail" in page
    assert "<h2>Verdict: DDPMSampler</h2>" in page
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["metrics"]["sampler"] == "DDPMSampler"
    assert metrics["settings"]["sampler"] == "ddpm"
    # The quick preset's smaller denoiser; --max-epochs still wins.
    assert metrics["settings"]["sampler_params"] == {"hidden_dim": 512}
    assert metrics["settings"]["max_epochs"] == 2
    assert len(metrics["history"]) == 2
    assert "diffusion_loss" in metrics["history"][0]
    assert "training_curves" in metrics["figures"]
    quality = pd.read_csv(out / "tables" / "quality.csv")
    assert "DDPMSampler" in quality["method"].tolist()
    down = pd.read_csv(out / "tables" / "downstream.csv")
    assert "DDPMSampler" in down["augmentation"].tolist()


def test_logger_is_restored(tmp_path, capsys):
    logger = logging.getLogger("sklearn_remgan.study")
    before = (logger.propagate, logger.level, list(logger.handlers))
    out = tmp_path / "report"
    out.mkdir()
    assert main(["study", "--out", str(out), *TINY]) == 2  # refused: exists
    assert (logger.propagate, logger.level, list(logger.handlers)) == before


@pytest.mark.slow
def test_study_end_to_end_report_opens_in_chromium(tmp_path):
    # One epoch of training: the run must warn that it did not converge.
    out = tmp_path / "report"
    proc = subprocess.run(
        [
            _remgan(),
            "study",
            "--out",
            str(out),
            "--random-state",
            "1",
            *TINY,
            "--max-epochs",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"report written to {out / 'index.html'}" in proc.stdout
    n = len(STAGES)
    for stage in range(1, n + 1):
        assert f"[stage {stage}/{n}]" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "warning: Training ran 1 epoch(s)" in proc.stderr

    page = (out / "index.html").read_text(encoding="utf-8")
    check = out / "check.html"
    check.write_text(page.replace("</body>", _CHECK_SCRIPT + "</body>"))
    dom = _chromium_dom(check, tmp_path)
    found = re.search(r'<pre id="image-check">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    images = dict(json.loads(found.group(1).replace("&quot;", '"')))
    expected = {"rem_distribution", "embedding", "blind_spot_map", "recall_rem"}
    assert expected <= set(images)
    assert all(width > 100 for width in images.values()), images
    for table in ("quality", "per_class_quality", "per_class", "rem_difference"):
        assert f'id="table-{table}"' in dom
    for table in ("blind_spots", "downstream", "settings", "glossary"):
        assert f'id="table-{table}"' in dom
    # The verdict block: one line per paper finding, each with a verdict.
    verdict = re.search(r'<div class="verdict" id="verdict">(.*?)</div>', dom, re.S)
    assert verdict, dom[:3000]
    lines = re.findall(r'<li data-finding="(\w+)">(.*?)</li>', verdict.group(1), re.S)
    assert [name for name, _ in lines] == [
        "precision_recall",
        "zero_recall_status",
        "collapse",
        "rem_status",
        "recall_rem",
    ]
    for _, text in lines:
        assert re.search(r"holds|does not hold|cannot be tested", text)
        assert "paper:" in text
    assert "SMOTE" in verdict.group(1) and "real held-out" in verdict.group(1)
    # Baselines in the quality table; warnings on top.
    quality = re.search(r'id="table-quality"(.*?)</table>', dom, re.S).group(1)
    for method in ("real held-out rows (ceiling)", "SMOTE (floor)", "WGANGPSampler"):
        assert method in quality
    warnings = re.search(r'<div class="warnings" id="warnings">(.*?)</div>', dom, re.S)
    assert "Training ran 1 epoch(s)" in warnings.group(1)
    assert (
        dom.index('id="verdict"')
        < dom.index('id="warnings"')
        < dom.index('id="table-quality"')
    )
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["settings"]["max_epochs"] == 1
    assert metrics["metrics"]["sampler"] == "WGANGPSampler"
    assert sorted(metrics["figures"]) == sorted(images)
    for name in images:
        assert (out / "figures" / f"{name}.svg").stat().st_size > 0
    assert f"[stage 3/{n}]" in (out / "study.log").read_text()
    # blind_spots.csv lists exactly the never-recalled rows of per_sample.csv.
    per_sample = pd.read_csv(out / "tables" / "per_sample.csv")
    blind = pd.read_csv(out / "tables" / "blind_spots.csv")
    assert blind["sample_id"].tolist() == (
        per_sample.loc[~per_sample["recalled"], "sample_id"].tolist()
    )


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
            "batch": np.arange(rows.size) % 2,
            "cancer_status": np.array(["biopsy", "cancer", "normal"])[
                np.arange(rows.size) % 3
            ],
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
        (
            "typo-covariate",
            "--covariate 'Bacth' is not a column of obs.csv; did you mean 'batch'?",
        ),
        ("group", "--group 'zz' is not a column of obs.csv"),
        ("status", "--status 'zz' is not a column of obs.csv"),
        ("three-status", "has the values ['biopsy', 'cancer', 'normal']"),
        ("empty-data", "--data data.csv: the file is empty."),
        ("ragged-data", "--data data.csv:"),
        ("read-only-out", "is not writable"),
        ("sizes", "--n-genes sizes the simulated data; it has no meaning with"),
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
    elif case == "typo-covariate":
        extra[3] = "Bacth"
    elif case == "group":
        extra[5] = "zz"
    elif case == "status":
        extra += ["--status", "zz"]
    elif case == "sizes":
        extra += ["--n-genes", "40"]
    elif case == "three-status":
        extra += ["--status", "cancer_status"]
    data, annot = _write(tmp_path, X, obs)
    if case == "empty-data":
        Path(data).write_text("")
    elif case == "ragged-data":
        with open(data, "a") as fh:
            fh.write("s999,1,2\n")
    out = tmp_path / "report"
    if case == "read-only-out":
        # A folder no one can create entries in (also for root).
        out = Path("/proc/remgan-report")
    code = main(["study", "--out", str(out), "--data", data, "--obs", annot, *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert f"[stage 3/{len(STAGES)}]" not in err  # no training started
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "obs.csv"]
    if case == "three-status":
        assert "--case" in err


def test_covariate_names_follow_the_loader_rule(real_files, capsys, monkeypatch):
    # The loader matches column names ignoring case: `--covariate Batch` reads the
    # column `batch` (pandas' KeyError before), and `--group Patient` `patient`.
    import sklearn_remgan.study

    tmp_path, X, obs = real_files
    data, annot = _write(tmp_path, X, obs)
    seen = {}

    def fake_run_study(X, y, **kwargs):
        seen.update(kwargs)
        raise sklearn_remgan.study.StudyInputError("stop here")

    monkeypatch.setattr(sklearn_remgan.study, "run_study", fake_run_study)
    args = ["study", "--out", str(tmp_path / "report"), "--data", data]
    args += ["--obs", annot, "--label", "Tissue", "--covariate", "Batch"]
    args += ["--group", "Patient"]
    assert main(args) == 2
    assert "stop here" in capsys.readouterr().err
    assert list(seen["covariates"].columns) == ["batch"]
    np.testing.assert_array_equal(seen["groups"], obs["patient"])
    # A group column that is also a covariate.
    assert main([*args[:-1], "batch"]) == 2
    np.testing.assert_array_equal(seen["groups"], obs["batch"])
    assert list(seen["covariates"].columns) == ["batch"]


def test_sigterm_cleans_the_partial_report(tmp_path, monkeypatch):
    import sklearn_remgan.study._report as report

    def terminate():
        os.kill(os.getpid(), signal.SIGTERM)
        return {}

    # SIGTERM arrives while the report folder is being written.
    monkeypatch.setattr(report, "_versions", terminate)
    previous = signal.getsignal(signal.SIGTERM)
    out = tmp_path / "report"
    with pytest.raises(SystemExit) as exc:
        main(["study", "--out", str(out), *TINY, "--max-epochs", "1", "--no-align"])
    assert exc.value.code == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []  # no hidden .report.partial-* left
    assert signal.getsignal(signal.SIGTERM) is previous
