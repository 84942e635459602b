"""Sources: reading acts, translations and commentary into passages that can be cited.

Parsers for each format and structure live here; nothing in this room knows about vectors or questions.
"""
