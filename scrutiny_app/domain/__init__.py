"""Domain vocabulary and value objects. Pure Python: no database, no Qt."""
