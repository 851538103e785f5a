"""The README's Python code blocks run verbatim, in order, as one script.

The blocks are written to a file and run in a fresh interpreter, as a user who
saves them would run them: the dask block starts worker processes that import the
script again, which only works because that block is guarded by
``if __name__ == "__main__":``. What the first block prints is compared with the
output shown under it (integers exactly, scores by their format), and the search
must rank its candidates on a score that differs between them.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", flags=re.DOTALL | re.MULTILINE)
NUMBER = re.compile(r"-?\d+\.\d+")
RESULTS_TAG = "README-TEST-RESULTS "

# Appended after the README's blocks: hands the fitted objects to the test.
EPILOGUE = f"""
if __name__ == "__main__":
    import json as _json

    print({RESULTS_TAG!r} + _json.dumps({{
        "n_res": len(y_res),
        "classes": sorted(map(str, set(y_res))),
        "pr_f1": search.cv_results_["mean_test_pr_f1"].tolist(),
        "max_epochs": [int(v) for v in search.cv_results_[
            "param_wgangpsampler__max_epochs"]],
        "best": search.best_params_,
        "predictions": len(search.best_estimator_.predict(X_test)),
        "n_test": len(y_test),
    }}))
"""


def _blocks():
    return [(lang, body) for lang, body in FENCE.findall(README.read_text())]


def _python_blocks():
    return [body for lang, body in _blocks() if lang == "python"]


def _expected_first_output():
    """The ``text`` block that follows the first ``python`` block."""
    blocks = _blocks()
    first = next(i for i, (lang, _) in enumerate(blocks) if lang == "python")
    lang, body = blocks[first + 1]
    assert lang == "text", "the first python block must be followed by its output"
    return body.splitlines()


def _matches(expected, actual):
    # Integers (counts) must be equal; scores only have to have the same format,
    # since they move with the CPU's floating-point kernels.
    if not NUMBER.search(expected):
        return expected.rstrip() == actual.rstrip()
    parts = NUMBER.split(expected)
    numbers = [
        rf"-?\d+\.\d{{{len(n.split('.')[1])}}}" for n in NUMBER.findall(expected)
    ]
    pattern = re.escape(parts[0]) + "".join(
        number + re.escape(part)
        for number, part in zip(numbers, parts[1:], strict=True)
    )
    return re.fullmatch(pattern, actual.rstrip()) is not None


def test_every_block_is_python_or_shell_or_output():
    langs = {lang for lang, _ in _blocks()}
    assert langs <= {"python", "bash", "text"}, langs
    assert len(_python_blocks()) >= 4


def test_expected_output_matching():
    assert _matches("precision 0.91, recall 0.30", "precision 0.12, recall 1.00")
    assert not _matches("precision 0.91, recall 0.30", "precision 0.9, recall 0.30")
    assert not _matches("breast   cancer  75", "breast   cancer  74")


@pytest.mark.slow
def test_readme_runs_as_a_script(tmp_path):
    script = tmp_path / "readme_example.py"
    script.write_text("\n".join(_python_blocks()) + EPILOGUE)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    # One thread per process: the script and two dask workers share the cores.
    env.setdefault("OMP_NUM_THREADS", "1")
    env["MPLBACKEND"] = "Agg"
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    lines = proc.stdout.splitlines()

    expected = _expected_first_output()
    printed = lines[: len(expected)]
    mismatched = [
        f"README: {e!r}\nprinted: {a!r}"
        for e, a in zip(expected, printed, strict=True)
        if not _matches(e, a)
    ]
    assert not mismatched, "\n".join(mismatched)

    tagged = [line for line in lines if line.startswith(RESULTS_TAG)]
    assert len(tagged) == 1, proc.stdout[-3000:]
    results = json.loads(tagged[0][len(RESULTS_TAG) :])
    assert results["predictions"] == results["n_test"]
    # The search ranks on a score that differs: the longer-trained generator
    # recalls held-out rows, the 5-epoch one does not.
    f1 = dict(zip(results["max_epochs"], results["pr_f1"], strict=True))
    assert f1[5] < f1[150], f1
    assert results["best"] == {"wgangpsampler__max_epochs": 150}
    # The search on dask gives the scores the search in the script printed.
    table = [line.split() for line in lines if re.match(r"^\s*(5|150)\s", line)]
    assert {int(row[0]): float(row[1]) for row in table} == {
        k: round(v, 2) for k, v in f1.items()
    }
