"""
Training curves
===============

The sampler records the critic loss (minus the Wasserstein estimate plus the
gradient penalty), the penalty and the generator loss at every epoch in its skorch
history; :class:`~sklearn_remgan.diagnostics.TrainingCurvesDisplay` draws them.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.preprocessing import StandardScaler

from sklearn_remgan import WGANGPSampler
from sklearn_remgan.datasets import make_expression
from sklearn_remgan.diagnostics import TrainingCurvesDisplay

X, y = make_expression(n_samples=400, n_genes=50, random_state=0)
X = StandardScaler().fit_transform(X)
sampler = WGANGPSampler(max_epochs=30, random_state=0).fit(X, y)

TrainingCurvesDisplay.from_estimator(sampler)
plt.tight_layout()
