"""One file per architecture. Each file holds its config, its blocks, its base model and its task heads."""
