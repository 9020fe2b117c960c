"""Kithkin's pure core: clinical rules as plain functions over frozen values.

Nothing here imports Django, so every rule can be tested in milliseconds and reused by the
pages, the API and the command line alike.
"""
