"""Surfaces: the CLI, the web chat and its views, the LangChain adapters.

They only call into the rooms below; no retrieval or answering logic lives here.
"""

import os

# Nothing reaches the network at run time: no Gradio analytics, no model hub. Set before any surface imports Gradio.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Gradio rebuilds a pandas table of every recorded event (up to 10 000) after each request, for request
# metrics on its API page; on an all-day server that grows to tens of milliseconds per answer. Recompute
# every 100 events over at most the last 1 000 instead.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "100")
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")

