"""The web reader (`arxiv-digest site`): static pages from the output folder's JSON."""
