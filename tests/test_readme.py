"""The README's usage examples run as written."""

import re
from pathlib import Path

import numpy as np
import sklearn

README = Path(__file__).resolve().parent.parent / "README.md"


def _section_blocks(title):
    text = README.read_text()
    section = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_usage_section_runs(capsys):
    blocks = _section_blocks("Using it in Python")
    assert len(blocks) == 2
    namespace = {}
    try:
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)
    finally:
        sklearn.set_config(enable_metadata_routing=False)
    printed = capsys.readouterr().out
    assert "Counter(" in printed
    # Balanced tissues, and the modes of each tissue balanced as far as possible.
    counts = set(namespace["Counter"](namespace["y_res"]).values())
    assert len(counts) == 1
    modes = namespace["sampler"].modes_
    final = modes["n_real"] + modes["n_generated"]
    assert (final.groupby(modes["label"]).agg(np.ptp) <= 1).all() or (
        modes.groupby("label")["n_generated"].min() == 0
    ).all()
    pipe, X = namespace["pipe"], namespace["X"]
    assert pipe.predict(X).shape == (X.shape[0],)
