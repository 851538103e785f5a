"""The study's presets (no heavy imports: the command line reads them for --help)."""

__all__ = ["PRESETS", "SAMPLERS", "SAMPLER_PRESETS"]

#: Samplers the study can judge (``--sampler``).
SAMPLERS = ("wgan-gp", "ddpm")

#: Settings per preset. ``quick`` finishes in minutes on 2 CPU cores and judges the
#: diffusion sampler, the package's most faithful generator: on the embedded default
#: (1,000 x 500) its rows are precise (precision 1.00) and the report's blind spots
#: are modes it misses (healthy rows) and stay with longer training (see
#: SAMPLER_PRESETS). ``paper`` is the paper's setting: 500 epochs of the WGAN-GP with
#: its published defaults (batch norm in the generator, batch size 64, Adam with
#: learning rates 1e-3 / 5e-4, gradient penalty weight 10, ``n_critic=5``), REM from
#: 2,000 principal components, k=3, simulated data of 6,000 samples x 2,000 genes;
#: meant for a GPU.
PRESETS = {
    "quick": {
        "sampler": "ddpm",
        "n_samples": 1000,
        "n_genes": 500,
        "max_epochs": 500,
        "n_components": 50,
        "k": 3,
        "embedding": "umap",
        "test_size": 0.25,
        "device": "cpu",
    },
    "paper": {
        "sampler": "wgan-gp",
        "n_samples": 6000,
        "n_genes": 2000,
        "max_epochs": 500,
        "n_components": 2000,
        "k": 3,
        "embedding": "umap",
        "test_size": 0.25,
        "device": "auto",
    },
}

#: Per preset and sampler: settings that replace the preset's (``max_epochs``) and
#: the sampler's own parameters (``sampler_params``); the user's options override
#: both. The quick DDPM (512 wide) trains for 3,000 epochs: the whole study took
#: about 3 minutes on 2 CPU cores. Measured on the quick data (all training rows,
#: k=3; ``remgan study --sampler ddpm --max-epochs N``): precision 1.00 at 600,
#: 1,500 and 3,000 epochs, recall 0.30, 0.42 and 0.55, recall-0 share of healthy
#: rows 0.99, 0.84 and 0.68 against 0.36, 0.33 and 0.23 for cancer rows: the
#: healthy blind spot persists as training goes on. The quick WGAN-GP trains for
#: the paper's 500 epochs (precision 0.97 but recall 0.01: it collapses on this
#: data; at 100 epochs precision was 0.73). ``paper`` uses ``DDPMSampler``'s
#: defaults (the paper has no diffusion model).
SAMPLER_PRESETS = {
    "quick": {
        "wgan-gp": {"sampler_params": {}},
        "ddpm": {"max_epochs": 3000, "sampler_params": {"hidden_dim": 512}},
    },
    "paper": {
        "wgan-gp": {"sampler_params": {}},
        "ddpm": {"max_epochs": 420, "sampler_params": {}},
    },
}
