"""The study's presets (no heavy imports: the command line reads them for --help)."""

__all__ = ["PRESETS", "SAMPLERS", "SAMPLER_PRESETS"]

#: Samplers the study can judge (``--sampler``).
SAMPLERS = ("wgan-gp", "ddpm")

#: Settings per preset. ``quick`` finishes in minutes on 2 CPU cores and still shows
#: blind spots (rare modes get few generated neighbours). ``paper`` is the paper's
#: setting: 500 epochs of the WGAN-GP with its published defaults (batch norm in the
#: generator, batch size 64, Adam with learning rates 1e-3 / 5e-4, gradient penalty
#: weight 10, ``n_critic=5``), REM from 2,000 principal components, k=3, simulated
#: data of 6,000 samples x 2,000 genes; meant for a GPU.
PRESETS = {
    "quick": {
        "n_samples": 1000,
        "n_genes": 500,
        "max_epochs": 100,
        "n_components": 50,
        "k": 3,
        "embedding": "umap",
        "test_size": 0.25,
        "device": "cpu",
    },
    "paper": {
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
#: both. The quick DDPM has a 512-wide denoiser (the default is 1,024) trained for
#: 600 epochs: about a minute and a half of training on the quick data with one
#: CPU thread. On that data fewer epochs or a narrower denoiser gave rows packed
#: near the class centres (recall 0.01 at 256 wide and 200 epochs, 0.14 at 512
#: and 300, 0.20 at 512 and 600; precision above 0.97 throughout). ``paper`` uses
#: ``DDPMSampler``'s defaults (the paper has no diffusion model).
SAMPLER_PRESETS = {
    "quick": {
        "wgan-gp": {"sampler_params": {}},
        "ddpm": {"max_epochs": 600, "sampler_params": {"hidden_dim": 512}},
    },
    "paper": {
        "wgan-gp": {"sampler_params": {}},
        "ddpm": {"max_epochs": 420, "sampler_params": {}},
    },
}
