"""
Balance tissues and cancer/healthy modes
========================================

:class:`~sklearn_remgan.WGANGPSampler` adds generated rows until every tissue has
as many rows as the largest one, and shares the rows it adds to a tissue among its
cancer and healthy modes (``covariates=``), smallest modes first.
"""

# %%
# Simulated expression data: six tissues of unequal size, each with cancer and
# healthy samples. The sampler expects standardized genes.
import matplotlib.pyplot as plt
from sklearn.preprocessing import StandardScaler

from sklearn_remgan import WGANGPSampler
from sklearn_remgan.datasets import make_expression

X, y, cov = make_expression(
    n_samples=400, n_genes=50, return_covariates=True, random_state=0
)
X = StandardScaler().fit_transform(X)

# %%
# Train for a few epochs (the paper trains 500) and resample.
sampler = WGANGPSampler(max_epochs=20, random_state=0)
X_res, y_res = sampler.fit_resample(X, y, covariates=cov["status"])
print(X.shape, "->", X_res.shape)

# %%
# ``modes_`` counts real and generated rows per tissue and status.
modes = sampler.modes_
print(modes)

# %%
# Every tissue ends with the same number of rows, and within a tissue the two
# modes as equal as the rows added allow.
table = modes.assign(total=modes["n_real"] + modes["n_generated"]).pivot(
    index="label", columns="status", values=["n_real", "n_generated"]
)
ax = table.plot.bar(stacked=True, figsize=(7, 4))
ax.set_ylabel("rows")
ax.set_title("Real and generated rows per tissue and status")
plt.tight_layout()
