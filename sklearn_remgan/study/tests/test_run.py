"""Tests of run_study and write_report, on a real TCGA slice and tiny simulations."""

import json

import matplotlib
import matplotlib.pyplot

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from sklearn_remgan.study import (
    StudyInputError,
    check_report_target,
    check_study_inputs,
    run_study,
    write_report,
)

TINY = {"max_epochs": 2, "n_components": 10, "embedding": "pca", "verbose": 0}


@pytest.fixture(scope="module")
def tcga_result(tcga_slice):
    # 60 genes keep training fast; patients are paired, so split by patient.
    return run_study(
        tcga_slice["X"][:, :60],
        tcga_slice["y"],
        covariates=pd.DataFrame({"status": tcga_slice["status"]}),
        groups=tcga_slice["patient"],
        status="status",
        provenance={"source": "tcga_tumor_normal_11 slice"},
        random_state=0,
        **TINY,
    )


def test_grouped_split_keeps_each_patient_on_one_side(tcga_result, tcga_slice):
    patients = tcga_slice["patient"]
    train = set(patients[tcga_result.split.train])
    test = set(patients[tcga_result.split.test])
    assert train and test
    assert not train & test
    assert len(tcga_result.split.train) + len(tcga_result.split.test) == len(patients)


def test_study_tables_and_metrics(tcga_result):
    tables = tcga_result.tables
    assert sorted(tables) == [
        "alignment",
        "downstream",
        "overall",
        "per_class",
        "rem_difference",
    ]
    down = tables["downstream"].set_index("augmentation")
    assert down.index.tolist() == [
        "none",
        "RandomOverSampler",
        "SMOTE",
        "WGANGPSampler",
        "WGANGPSampler + OT",
    ]
    assert down.loc["none", "n_generated"] == 0
    assert (
        down.loc["WGANGPSampler", "n_train"]
        == down.loc["WGANGPSampler + OT", "n_train"]
    )
    # OT alignment moves generated rows only: same counts, other quality.
    align = tables["alignment"].set_index("generated")
    assert align["n_generated"].nunique() == 1
    assert not np.isclose(*align["rem_generated_median"])
    assert (
        down.loc[["RandomOverSampler", "SMOTE", "WGANGPSampler"], "n_generated"] > 0
    ).all()
    assert down["accuracy"].between(0, 1).all()
    assert sorted(tables["rem_difference"]["tissue"]) == ["kidney", "liver", "thyroid"]
    metrics = tcga_result.metrics
    assert set(metrics["zero_recall_share_by_status"]) == {"normal", "tumor"}
    assert metrics["rem_difference"]["case"] == "tumor"
    # The whole result must survive a strict JSON round trip.
    json.loads(json.dumps(metrics, allow_nan=False))
    assert tcga_result.settings["max_epochs"] == 2
    assert tcga_result.provenance["n_genes_used"] == 60
    assert {"rem_distribution", "embedding", "recall_rem", "zero_recall"} <= set(
        tcga_result.displays
    )


def test_study_is_reproducible_and_leaves_global_rng_alone():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    kwargs = {"n_samples": 200, "n_genes": 10, "k": 2, **TINY, "max_epochs": 1}
    a = run_study(random_state=3, **kwargs)
    b = run_study(random_state=3, **kwargs)
    for result in (a, b):
        for disp in result.displays.values():
            matplotlib.pyplot.close(disp.figure_)
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    pd.testing.assert_frame_equal(a.tables["overall"], b.tables["overall"])
    np.testing.assert_array_equal(a.split.test, b.split.test)
    assert a.provenance["source"].startswith("simulated")


@pytest.mark.parametrize(
    "change, match",
    [
        ({"nan": True}, r"X contains 1 NaN"),
        ({"y_small": True}, r"label 'b' has 5 sample\(s\); k=3"),
        ({"cov_nan": True}, r"covariates have missing values: 'status': 1"),
        ({"groups_len": True}, r"groups must hold one group per row"),
        ({"k": 0}, r"k must be an int >= 1; got 0"),
    ],
    ids=["nan", "small-label", "covariate-nan", "groups-length", "k"],
)
def test_check_study_inputs_errors(change, match):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 4))
    y = np.array(["a"] * 35 + ["b"] * 5)
    cov = pd.DataFrame({"status": ["tumor", "normal"] * 20})
    groups = np.arange(40)
    if change.get("nan"):
        X[3, 2] = np.nan
    if not change.get("y_small"):
        y = np.array(["a", "b"] * 20)
    if change.get("cov_nan"):
        cov.loc[4, "status"] = None
    if change.get("groups_len"):
        groups = groups[:-1]
    with pytest.raises(ValueError, match=match):
        check_study_inputs(X, y, covariates=cov, groups=groups, k=change.get("k", 3))


def test_run_study_raises_input_error_before_training():
    X = np.ones((30, 3))
    X[0, 0] = np.inf
    with pytest.raises(StudyInputError, match="1 infinite"):
        run_study(X, np.array(["a", "b"] * 15), **TINY)
    with pytest.raises(StudyInputError, match="status='cancer' is not a covariate"):
        run_study(
            np.ones((30, 3)),
            np.array(["a", "b"] * 15),
            covariates=pd.DataFrame({"status": ["t"] * 30}),
            status="cancer",
            **TINY,
        )
    with pytest.raises(ValueError, match="preset must be one of"):
        run_study(preset="slow")


def test_write_report_layout(tcga_result, tmp_path):
    out = write_report(tcga_result, tmp_path / "report", log_text="line one")
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    for fig in tcga_result.displays:
        assert f"figures/{fig}.png" in names
        assert f"figures/{fig}.svg" in names
    for table in tcga_result.tables:
        assert f"tables/{table}.csv" in names
    payload = json.loads((out / "metrics.json").read_text())
    assert payload["settings"]["random_state"] == 0
    assert payload["versions"]["sklearn-remgan"]
    assert payload["provenance"]["source"] == "tcga_tumor_normal_11 slice"
    assert (out / "study.log").read_text() == "line one"
    page = (out / "index.html").read_text()
    assert page.count('class="report-figure"') == len(tcga_result.displays)
    for table in tcga_result.tables:
        assert f'id="table-{table}"' in page
    csv = pd.read_csv(out / "tables" / "downstream.csv")
    assert csv["augmentation"].tolist()[0] == "none"


def test_write_report_refuses_existing_folder_unless_forced(tcga_result, tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    with pytest.raises(FileExistsError, match="already exists; choose another --out"):
        write_report(tcga_result, out)
    assert (out / "mine.txt").read_text() == "keep"
    write_report(tcga_result, out, force=True)
    assert not (out / "mine.txt").exists()
    assert (out / "index.html").is_file()
    # Nothing temporary is left beside the report.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_write_report_failure_leaves_nothing(tcga_result, tmp_path):
    broken = type(tcga_result)(**tcga_result)
    broken.displays = {"broken": object(), **tcga_result.displays}
    with pytest.raises(AttributeError):
        write_report(broken, tmp_path / "report")
    assert list(tmp_path.iterdir()) == []


def test_check_report_target_errors(tmp_path):
    file = tmp_path / "a_file"
    file.write_text("x")
    with pytest.raises(FileExistsError, match="exists and is not a folder"):
        check_report_target(file, force=True)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        check_report_target(tmp_path / "missing" / "report")
    assert check_report_target(tmp_path / "new") == (tmp_path / "new").resolve()
