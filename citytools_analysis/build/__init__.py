"""The build: running the notebooks, the cache, provenance, publishing the release with the book, the benchmark."""
