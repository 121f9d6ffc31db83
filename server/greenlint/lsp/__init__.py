"""The language server: a thin pygls layer over greenlint's core."""
