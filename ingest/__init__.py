"""news-ingest: poll news feeds, extract clean articles, store them once.

The public surface: `load_config`, `poll`, and the types they return. The CLI is a thin
layer over these; everything here can be imported and called from a notebook.
"""

__version__ = "0.1.0"
