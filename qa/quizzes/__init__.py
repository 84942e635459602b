"""Quizzes: questions keyed to articles, built from the text and checked against it.

Items, their validation against the index, the builder, and exports to learning platforms.
"""
