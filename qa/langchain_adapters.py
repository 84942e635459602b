"""The documented import path of the LangChain adapters (`qa.langchain_adapters.ConventionRetriever`).

They live in `qa.surfaces.langchain_adapters`; this name stays so code written against the README keeps working.
"""

from qa.surfaces.langchain_adapters import ConventionEmbeddings, ConventionRetriever

__all__ = ["ConventionEmbeddings", "ConventionRetriever"]
