"""Operations on tensors, pictures and requests that every layer above may use: tiling, colour spaces, latent
walks, text, devices and precision, the work budget, photo ageing. Imports nothing above it (models, training,
tasks, views)."""
