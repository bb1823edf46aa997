"""Data sources: generated datasets, uploads, drawn points, projection, downloads and the reproduce script."""
