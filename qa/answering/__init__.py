"""Answering: retrieved provisions turned into a cited answer, or a reasoned decline.

Grounding, the extractive and LLM composers, citations with verbatim quotes, the answer's JSON form, the assistant.
"""
