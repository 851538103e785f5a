"""
Find the generator's blind spots
================================

A blind spot is a real sample that no generated sample reproduces: it lies in no
generated row's k-nearest-neighbour ball, so its recall flag is ``False``. Compare
generated rows with held-out real rows, then count the blind spots per tissue and
status.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_remgan import WGANGPSampler
from sklearn_remgan.datasets import make_expression
from sklearn_remgan.diagnostics import ZeroRecallDisplay
from sklearn_remgan.metrics import precision_recall

X, y, cov = make_expression(
    n_samples=600, n_genes=50, return_covariates=True, random_state=0
)
X_train, X_test, y_train, y_test, s_train, s_test = train_test_split(
    X, y, cov["status"].to_numpy(), test_size=0.3, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

sampler = WGANGPSampler(max_epochs=40, random_state=0)
sampler.fit(X_train, y_train, covariates=s_train)

# %%
# One generated row per held-out row, with the same labels.
X_gen, _ = sampler.sample(len(y_test), y_test)
pr = precision_recall(X_test, X_gen, k=3)
print(f"precision {pr.precision:.2f}, recall {pr.recall:.2f}")

# %%
# The share of held-out rows never recalled, per tissue and status.
ZeroRecallDisplay.from_predictions(pr.real_recalled, y_test, covariate=s_test)
plt.tight_layout()
