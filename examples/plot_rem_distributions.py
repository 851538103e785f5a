"""
REM of real and generated samples
=================================

The REM is a sample's distance to the main axes of variation of real data (a PCA
fitted on training rows). A generator that collapses onto average-like rows makes
rows with a lower REM than real ones.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from sklearn_remgan import WGANGPSampler
from sklearn_remgan.datasets import make_expression
from sklearn_remgan.diagnostics import REMDistributionDisplay
from sklearn_remgan.metrics import REM

X, y = make_expression(n_samples=600, n_genes=50, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
sampler = WGANGPSampler(max_epochs=40, random_state=0).fit(X_train, y_train)
X_gen, _ = sampler.sample(len(y_test), y_test)

# %%
# Fit the PCA on the training rows; score held-out real rows and generated rows,
# neither of which it has seen.
rem = REM(n_components=10).fit(X_train)
rem_real, rem_gen = rem.score_samples(X_test), rem.score_samples(X_gen)
print(f"mean REM: held-out real {rem_real.mean():.2f}, generated {rem_gen.mean():.2f}")

REMDistributionDisplay.from_predictions(
    rem_real, rem_gen, real_label="held-out real", bins=30
)
plt.tight_layout()
