"""Cited question answering over the Budapest Convention (ETS 185), Ukrainian text."""

__version__ = "0.1.0"
