"""Food recognition: Triton model serving, client, preprocessing and the analysis worker."""
