"""corpus-builder: NER corpora of bank narratives rendered from a consistent entity graph."""

__version__ = "0.1.0"
