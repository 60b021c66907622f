"""The open data release: its schema, writing it whole, and reading it back."""
