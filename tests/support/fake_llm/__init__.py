"""A fake OpenAI-compatible /v1/chat/completions server on 127.0.0.1.

The real openai SDK talks to it over HTTP. It answers like a good model by default and can be
told to misbehave per request: latency with jitter, 429 + Retry-After, 500, hangs past the
client's timeout, non-JSON, English-only, over-long, echoed （99字） notes, 401, refusing
``response_format``, and an RPM cap that answers 429 when exceeded. Tests and benchmarks share it;
``python -m tests.support.fake_llm --latency 1 --rpm-cap 60`` runs it standalone.

server.py is the endpoint and how it misbehaves; answers.py what a model says (and the ways it
says it wrong); errors.py providers' error bodies; raw.py 200s that are no chat completion;
tokens.py the token counts.
"""

from tests.support.fake_llm.answers import Call, good_summary
from tests.support.fake_llm.server import FakeLLM

__all__ = ["Call", "FakeLLM", "good_summary"]
