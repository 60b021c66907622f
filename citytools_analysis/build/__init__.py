"""Building the book: planning and running notebooks, the cache, provenance and the benchmark."""
