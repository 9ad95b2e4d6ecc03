"""Other ways arXiv authors write the same thing: acronyms and their expansions, hyphens and
digits (sim2real / sim-to-real), joined prefixes (pre-training / pretraining).

The shipped table holds widely used, unambiguous forms only; users add their own under
`[aliases]` in arxiv-digest.toml (a form = [other forms]). A form is matched on whole words
anywhere in an interest phrase, so "LLM agents" also searches "large language model agents".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

# Each line: forms that name the same thing. Checked against arXiv usage, not tuned on any day.
SHIPPED = """
uav | uas | drone | unmanned aerial vehicle | unmanned aerial system | quadrotor | quadcopter
3dgs | 3d-gs | 3d gaussian splatting | gaussian splatting
nerf | neural radiance field
llm | large language model
mllm | multimodal llm | multimodal large language model | large multimodal model | lmm
vlm | vision-language model | vision language model
vla | vision-language-action model | vision-language-action
rl | reinforcement learning
drl | deep reinforcement learning
marl | multi-agent reinforcement learning
rlhf | reinforcement learning from human feedback
qa | question answering
vqa | visual question answering
asr | automatic speech recognition | speech recognition
tts | text-to-speech | speech synthesis
slam | simultaneous localization and mapping | simultaneous localisation and mapping
rag | retrieval-augmented generation | retrieval augmented generation
sim2real | sim-to-real | simulation-to-reality | sim-to-real transfer
real2sim | real-to-sim
gan | generative adversarial network
vae | variational autoencoder
gnn | graph neural network
cnn | convolutional neural network
vit | vision transformer
nlp | natural language processing
ner | named entity recognition
cot | chain-of-thought | chain of thought
moe | mixture of experts | mixture-of-experts
dpo | direct preference optimization
ssl | self-supervised learning
fl | federated learning
mpc | model predictive control
ocr | optical character recognition
kg | knowledge graph
ehr | electronic health record
sed | sound event detection
ser | speech emotion recognition
iot | internet of things
self-driving | autonomous driving
"""
# words that connect a phrase's topic words; a paper need not have them
_CONNECTING = (
    "a an and as at by for from in into of on or the to towards toward via with using based"
)
CONNECTING = frozenset(_CONNECTING.split())
_PREFIXES = ("multi", "pre", "post", "self", "semi", "non", "cross", "zero", "few", "fine")
_DIGIT_WORD = re.compile(r"^([a-z]+)([24])([a-z]+)$")
_WORDS = re.compile(r"[^\W_]+")
MAX_FORMS = 12  # other forms searched per phrase


def table(extra: Mapping[str, Sequence[str]] = {}) -> list[list[str]]:
    """The shipped groups of forms, then the user's (a key and its list make one group)."""
    groups = [[f.strip() for f in line.split("|")] for line in SHIPPED.strip().splitlines()]
    groups += [[key, *values] for key, values in extra.items()]
    return groups


def spellings(phrase: str) -> list[str]:
    """The same words written another common way: sim2real ↔ sim to real, pre-training ↔
    pretraining, multimodal ↔ multi modal."""
    words = _WORDS.findall(phrase.lower())
    out = []
    inner = {"2": "to", "4": "for"}  # sim-2-real
    spelled = [inner.get(w, w) if 0 < i < len(words) - 1 else w for i, w in enumerate(words)]
    if spelled != words:
        out.append(" ".join(spelled))
        words = spelled
    for i, word in enumerate(words):
        if m := _DIGIT_WORD.match(word):
            joiner = "to" if m[2] == "2" else "for"
            out.append(" ".join([*words[:i], m[1], joiner, m[3], *words[i + 1 :]]))
        for prefix in _PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 4:
                out.append(" ".join([*words[:i], prefix, word[len(prefix) :], *words[i + 1 :]]))
    for i in range(len(words) - 2):
        if words[i + 1] in ("to", "for"):
            digit = "2" if words[i + 1] == "to" else "4"
            out.append(" ".join([*words[:i], words[i] + digit + words[i + 2], *words[i + 3 :]]))
    if "-" in phrase and 2 <= len(words) <= 3:
        out.append("".join(words))
    for i in range(len(words) - 1):
        if words[i] in _PREFIXES:
            out.append(" ".join([*words[:i], words[i] + words[i + 1], *words[i + 2 :]]))
    return [o for o in dict.fromkeys(out) if o != " ".join(words)]
