"""Retrieval: a question analysed once, routed by its references, and ranked over the index.

The analysed question, reference routing, the concept layer, hybrid dense + BM25 fusion and the confidence model.
"""
