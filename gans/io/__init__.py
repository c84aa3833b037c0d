"""Reading and writing: run folders and the runs folder (``checkpoints``), the Hugging Face Hub, the one image
decoder, uploads, PNG/GIF encoding, bounded JSON. Imports nothing above it (models, training, tasks, views)."""
