import pickle
from types import SimpleNamespace

from sklearn_remgan.over_sampling._callbacks import EpochProgressBar, TimeLimit


def test_progress_bar_pickles_while_open():
    # A fit that fails between on_train_begin and on_train_end leaves the bar.
    bar = EpochProgressBar(["loss"], desc="test")
    bar.on_train_begin(SimpleNamespace(max_epochs=3, history=[]))
    assert hasattr(bar, "bar_")
    restored = pickle.loads(pickle.dumps(bar))
    assert not hasattr(restored, "bar_") and restored.keys == ["loss"]
    bar.bar_.close()


def test_time_limit_flags_the_stop():
    limit = TimeLimit(max_time=1e-9)
    limit.on_train_begin(None)
    try:
        limit.on_epoch_end(None)
    except KeyboardInterrupt:
        pass
    assert limit.stopped_
    relaxed = TimeLimit(max_time=3600)
    relaxed.on_train_begin(None)
    relaxed.on_epoch_end(None)
    assert not relaxed.stopped_
