"""The evidence base: the source documents and the facts taken from them."""

from wargame.scenario.seeds import Evidence, Fact, Figure, Source, default_seeds_dir, load_evidence

__all__ = ["Evidence", "Fact", "Figure", "Source", "default_seeds_dir", "load_evidence"]
