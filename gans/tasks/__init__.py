"""What a person does with a trained model: explore and project (noise → image), synthesise datasets, translate,
colorize (with hints or a reference), restore old photos, upscale, detect anomalies, draw sketches. Tasks use
models, training, data, ops and io; never the page-facing views."""
