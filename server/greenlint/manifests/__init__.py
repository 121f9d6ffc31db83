"""Dependency manifests (pyproject.toml, requirements*.txt, setup.cfg): what they declare, where, and how to edit it.

Pure text in, located requirements out; the rules that judge them live in greenlint.rules (ManifestRule).
"""
