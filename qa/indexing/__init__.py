"""The index: embedders and their engines, the vector and passage stores, the manifest and its build.

It turns the sources' passages into searchable files and loads them back; it knows nothing of questions.
"""
