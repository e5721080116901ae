"""corpus-builder: NER corpora of bank narratives from a consistent entity graph."""

__version__ = "0.1.0"
