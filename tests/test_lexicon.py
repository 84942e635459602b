"""The lexicon under concurrency: the server answers many questions at once, and they share its stemmer."""

import sys
from concurrent.futures import ThreadPoolExecutor

from qa.sources.lexicon import en_stem


def test_english_stems_are_right_when_many_threads_stem_at_once():
    """snowballstemmer keeps its current word in the stemmer object: without one word at a time, threads
    corrupt each other (IndexError inside the stemmer, or a wrong stem)."""
    words = [f"{stem}{suffix}" for stem in ("intercept", "preserv", "disclos", "author", "jurisdict", "extradit",
                                            "nation", "comput", "relat", "particip")
             for suffix in ("ions", "ational", "ingly", "iveness", "fulness", "ousness", "alities", "izations")]
    en_stem.cache_clear()
    expected = {w: en_stem(w) for w in words}
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, inside a stem
    try:
        for _ in range(20):
            en_stem.cache_clear()
            with ThreadPoolExecutor(8) as pool:
                got = dict(zip(words, pool.map(en_stem, words)))
            assert got == expected
    finally:
        sys.setswitchinterval(interval)
