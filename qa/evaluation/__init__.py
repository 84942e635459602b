"""Evaluation: gold questions, metrics per kind and split, baselines in the same run, reports.

It drives the assistant like a user would and scores the citations it gets back.
"""
