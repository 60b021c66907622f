"""The report's figures, tables and sentences: theme, charts, narrative, explorers and borough profiles."""
