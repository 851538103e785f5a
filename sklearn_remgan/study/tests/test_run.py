"""Tests of run_study and write_report, on a real TCGA slice and tiny simulations."""

import html
import json
import re

import matplotlib
import matplotlib.pyplot

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from sklearn_remgan.metrics import choose_n_components
from sklearn_remgan.study import (
    StudyInputError,
    check_report_target,
    check_study_inputs,
    run_study,
    write_report,
)
from sklearn_remgan.study._layout import GLOSSARY, PAPER
from sklearn_remgan.study._presets import PRESETS, SAMPLER_PRESETS
from sklearn_remgan.study._run import _resolve_settings
from sklearn_remgan.study._stages import (
    STAGES,
    _keeping_torch_threads,
    _without_aligner,
    make_sampler,
)

# The layout tests judge the GAN (fast at two epochs); the quick preset's own
# sampler is checked in test_the_preset_chooses_the_sampler.
TINY = {
    "sampler": "wgan-gp",
    "max_epochs": 2,
    "n_components": 10,
    "embedding": "pca",
    "verbose": 0,
}


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
        "blind_spots",
        "downstream",
        "per_class",
        "per_class_quality",
        "per_sample",
        "quality",
        "rem_difference",
        "verdict",
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
    assert (
        down.loc[["RandomOverSampler", "SMOTE", "WGANGPSampler"], "n_generated"] > 0
    ).all()
    assert down["accuracy"].between(0, 1).all()
    # Baselines and the generator with and without alignment, on the same rows.
    quality = tables["quality"].set_index("method")
    assert quality.index.tolist() == [
        "real held-out rows (ceiling)",
        "SMOTE (floor)",
        "WGANGPSampler",
        "WGANGPSampler + OT",
    ]
    assert quality["n_reference"].nunique() == 1
    assert quality["n_candidates"].nunique() == 1
    assert quality["n_candidates"].iloc[0] == len(tcga_result.split.test)
    assert (quality["recall_ci_low"] <= quality["recall"]).all()
    assert (quality["recall"] <= quality["recall_ci_high"]).all()
    # OT alignment moves generated rows: other quality than the plain rows.
    assert quality.loc["WGANGPSampler", "rem_mean"] != pytest.approx(
        quality.loc["WGANGPSampler + OT", "rem_mean"]
    )
    per_class = tables["per_class_quality"]
    assert set(per_class["method"]) == set(quality.index)
    assert set(per_class["grouping"]) == {"label", "status", "label x status"}
    # Recall per group is on the same reference rows for every method.
    counts = per_class.groupby(["grouping", "value"])["n_reference"].nunique()
    assert (counts == 1).all()
    smote = per_class[per_class["method"] == "SMOTE (floor)"]
    assert smote.loc[smote["grouping"] == "status", "precision"].isna().all()
    assert smote.loc[smote["grouping"] == "label", "precision"].notna().all()
    assert sorted(tables["rem_difference"]["tissue"]) == ["kidney", "liver", "thyroid"]
    metrics = tcga_result.metrics
    assert set(metrics["zero_recall_share_by_status"]) == {"normal", "tumor"}
    assert metrics["rem_difference"]["case"] == "tumor"
    # The whole result must survive a strict JSON round trip.
    json.loads(json.dumps(metrics, allow_nan=False))
    assert tcga_result.settings["max_epochs"] == 2
    # Settings show what ran on real data, not the simulator's sizes.
    assert "n_samples" not in tcga_result.settings
    assert tcga_result.settings["n_genes_used"] == 60
    assert tcga_result.provenance["n_genes_used"] == 60
    assert {
        "rem_distribution",
        "embedding",
        "blind_spot_map",
        "recall_rem",
        "zero_recall",
        "alignment",
    } <= set(tcga_result.displays)


def test_verdict_lines_state_holds_with_numbers(tcga_result):
    verdict = tcga_result.tables["verdict"].set_index("finding")
    assert verdict.index.tolist() == [
        "precision_recall",
        "zero_recall_status",
        "collapse",
        "rem_status",
        "recall_rem",
    ]
    for name, row in verdict.iterrows():
        assert row["verdict"] in ("holds", "does not hold", "cannot be tested")
        assert re.search(r"\d", row["numbers"]), (name, row["numbers"])
        assert row["paper"]
        if row["verdict"] != "cannot be tested":
            # The sign of the statistic decides; the interval is around it.
            assert (row["estimate"] > 0) == (row["verdict"] == "holds")
            assert "95% bootstrap interval" in row["confidence"]
            assert row["ci_low"] <= row["estimate"] <= row["ci_high"]
    assert "tumor" in verdict.loc["zero_recall_status", "numbers"]


def test_blind_spots_match_per_sample_recall(tcga_result, tcga_slice):
    per_sample = tcga_result.tables["per_sample"]
    blind = tcga_result.tables["blind_spots"]
    train = tcga_result.split.train
    np.testing.assert_array_equal(per_sample["sample_id"], [f"row_{i}" for i in train])
    missed = per_sample.loc[~per_sample["recalled"], "sample_id"].tolist()
    assert blind["sample_id"].tolist() == missed
    assert len(blind) == round(
        tcga_result.metrics["overall"]["zero_recall_share"] * len(train)
    )
    assert (
        blind["label"].to_numpy() == tcga_slice["y"][train][~per_sample["recalled"]]
    ).all()
    for col in ("status", "rem", "nearest_generated_distance", "real_radius"):
        assert blind[col].notna().all()
    # Never recalled: no generated row within the row's nearest-generated distance
    # can lie inside the generated ball, so the distance is positive.
    assert (blind["nearest_generated_distance"] > 0).all()


def test_real_rem_is_never_in_sample():
    # 60 x 100 data: a PCA with 50 components fitted on the 45 training rows
    # gives those rows REM 0 (issue 14); honest REM stays away from 0.
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 100))
    y = np.repeat(["a", "b"], 30)
    result = run_study(X, y, k=2, **{**TINY, "n_components": 50})
    overall = result.metrics["overall"]
    # In-sample REM (reported only under that name) is far below honest REM.
    assert overall["rem_train_crossfit_mean"] > 2 * overall["rem_train_in_sample_mean"]
    assert overall["rem_heldout_mean"] > 1.0
    assert overall["rem_train_crossfit_mean"] > 1.0
    per_class = result.tables["per_class"]
    assert (per_class["rem_real_mean"] > 1.0).all()
    assert any("REM uses" in w for w in result.warnings)
    # The package's rule: 45 training rows in 5 folds, each fold PCA fits 36 rows.
    assert result.settings["n_components_used"] == choose_n_components(50, 36, 100)
    assert result.settings["n_components_used"] == 35
    for disp in result.displays.values():
        matplotlib.pyplot.close(disp.figure_)


def test_glossary_defines_every_column(tcga_result):
    missing = {
        (name, column)
        for name, frame in tcga_result.tables.items()
        for column in frame.columns
        if column not in GLOSSARY and column != "status"  # a covariate of the data
    }
    assert not missing


def test_stage_count_is_derived():
    names = [name for name, _ in STAGES]
    assert names == [
        "prepare",
        "standardize",
        "fit",
        "diagnose",
        "align",
        "downstream",
        "judge",
        "write",
    ]


def test_make_sampler_builds_the_named_sampler():
    from sklearn_remgan.over_sampling import WGANGPSampler

    sampler = make_sampler(
        "wgan-gp", max_epochs=3, device="cpu", random_state=1, verbose=0
    )
    assert isinstance(sampler, WGANGPSampler)
    assert sampler.max_epochs == 3 and sampler.aligner is None
    with pytest.raises(ValueError, match="sampler must be one of"):
        make_sampler("vae", max_epochs=3, device="cpu", random_state=1, verbose=0)
    with pytest.raises(StudyInputError, match="sampler must be one of"):
        run_study(sampler="vae")


def test_status_with_three_values_fails_before_training():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 5))
    y = np.repeat(["a", "b"], 30)
    cov = pd.DataFrame({"cancer_status": ["biopsy", "cancer", "normal"] * 20})
    with pytest.raises(StudyInputError, match=r"case=<value>.*--case"):
        run_study(X, y, covariates=cov, status="cancer_status", **TINY)


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
    pd.testing.assert_frame_equal(a.tables["quality"], b.tables["quality"])
    pd.testing.assert_frame_equal(a.tables["verdict"], b.tables["verdict"])
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
    # The verdict is the block on top; per_sample is a CSV only.
    for table in set(tcga_result.tables) - {"verdict", "per_sample"}:
        assert f'id="table-{table}"' in page
    assert page.index('id="verdict"') < page.index('id="warnings"')
    assert page.index('id="warnings"') < page.index('id="table-quality"')
    assert 'id="table-glossary"' in page
    assert "Where does WGANGPSampler fail" in page
    # The paper and its numbers beside this run's, in the verdict block.
    block = page[page.index('id="verdict"') : page.index('id="warnings"')]
    assert html.escape(PAPER) in block
    for text in (
        "(paper: precision 0.933 vs recall 0.698 for the best WGAN-GP)",
        "(paper: recall-0 share cancerous 0.435 vs healthy 0.237)",
        "(paper: cancerous minus healthy REM +4.6 on average per tissue)",
        "(paper: generated REM much lower than real REM, a sign of mode collapse;",
    ):
        assert text in block
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


@pytest.mark.slow
def test_seeds_give_the_verdict_its_spread_over_runs():
    kwargs = {**TINY, "max_epochs": 1, "align": False}
    result = run_study(n_samples=200, n_genes=10, k=2, seeds=2, **kwargs)
    for disp in result.displays.values():
        matplotlib.pyplot.close(disp.figure_)
    verdict = result.tables["verdict"]
    tested = verdict[verdict["verdict"] != "cannot be tested"]
    assert len(tested) >= 3
    for text in tested["confidence"]:
        assert text.startswith("over 2 seeds") or text.startswith("too few seeds")
    assert result.settings["seeds"] == 2


def test_case_names_the_cancer_value_among_three():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 6))
    y = np.repeat(["a", "b"], 45)
    cov = pd.DataFrame({"stage": np.tile([0, 1, 2], 30)})
    # A string from the command line matches the integer value 2.
    result = run_study(
        X, y, covariates=cov, status="stage", case="2", k=2, **TINY, align=False
    )
    for disp in result.displays.values():
        matplotlib.pyplot.close(disp.figure_)
    assert result.metrics["rem_difference"]["case"] == 2
    assert (
        "2 minus 0/1"
        in result.tables["verdict"].set_index("finding").loc["rem_status", "numbers"]
    )


def test_alignment_goes_through_the_sampler_aligner(tcga_result):
    # One code path: aligned rows are the plain rows of the same noise passed
    # through the sampler's own fitted aligner_.
    sampler = tcga_result.sampler
    plain = _without_aligner(sampler)
    assert hasattr(sampler, "aligner_") and not hasattr(plain, "aligner_")
    y = np.repeat(sampler.classes_[:2], 4)
    cov = pd.DataFrame({"status": ["tumor", "normal"] * 4})
    aligned, _ = sampler.sample(8, y, covariates=cov, random_state=5)
    before, _ = plain.sample(8, y, covariates=cov, random_state=5)
    expected = sampler.aligner_.transform(before, y, covariates=cov)
    np.testing.assert_allclose(aligned, expected, rtol=1e-5, atol=1e-5)
    assert not np.allclose(aligned, before)


def test_a_stage_cannot_change_torch_threads():
    # UMAP raises the OpenMP thread count that torch shares; the study puts it
    # back after each stage so that later draws keep the user's setting.
    import torch

    before = torch.get_num_threads()
    seen = []

    def stage(state):
        torch.set_num_threads(before + 1)
        seen.append(torch.get_num_threads())

    _keeping_torch_threads(stage, None)
    assert seen == [before + 1]
    assert torch.get_num_threads() == before


def test_make_sampler_builds_the_ddpm_sampler_with_preset_params():
    from sklearn_remgan.over_sampling._ddpm import DDPMSampler
    from sklearn_remgan.study._presets import SAMPLER_PRESETS

    params = SAMPLER_PRESETS["quick"]["ddpm"]["sampler_params"]
    sampler = make_sampler(
        "ddpm", max_epochs=4, device="cpu", random_state=1, verbose=0, params=params
    )
    assert isinstance(sampler, DDPMSampler)
    assert sampler.hidden_dim == 512 and sampler.max_epochs == 4
    assert sampler.random_state == 1 and sampler.aligner is None


@pytest.mark.parametrize(
    "preset, sampler, epochs", [("quick", "ddpm", 3000), ("paper", "wgan-gp", 500)]
)
def test_the_preset_chooses_the_sampler(preset, sampler, epochs):
    # Without a sampler the preset's own is judged, with its epochs; a sampler
    # given by the user wins, with that sampler's epochs for the preset.
    settings = _resolve_settings(preset, {"sampler": None, "align": False, "seeds": 1})
    assert settings["sampler"] == sampler and settings["max_epochs"] == epochs
    other = "wgan-gp" if sampler == "ddpm" else "ddpm"
    chosen = _resolve_settings(preset, {"sampler": other, "align": False, "seeds": 1})
    assert chosen["sampler"] == other
    assert chosen["max_epochs"] == SAMPLER_PRESETS[preset][other].get(
        "max_epochs", PRESETS[preset]["max_epochs"]
    )
