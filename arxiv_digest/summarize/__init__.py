"""The LLM stage: prompts, one client with one retry layer, answer checks, a persistent cache."""
