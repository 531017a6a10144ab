"""What the test modules share: the implementation facade, the corpus, posthog as the
oracle, the loopback ingestion server, and the sizes the active hypothesis profile
scales. Importable as ``helpers`` because pyproject puts tests/ on pytest's path."""
