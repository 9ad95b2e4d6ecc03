"""benchmarks/relevance_build.py: a published digest's day file → the relevance set's layout."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from arxiv_digest.sources.feed import parse_feed

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import relevance_build

# the layout of advanced-cs/arXiv_daily's daily_papers/DAY/audio.md, shortened
DAY = """# 音频 cs.SD;  eess.AS

- **最新发布 2 篇**

- **更新 1 篇**

## 最新发布

#### [new 001] Improving DF-Conformer Using Hydra For Generative Speech Enhancement
- **分类: cs.SD**

- **简介: 该论文面向离散编解码器令牌的高保真生成式语音增强任务。**

- **链接: [http://arxiv.org/pdf/2511.02454v1](http://arxiv.org/pdf/2511.02454v1)**

> **作者:** Shogo Seki; Shaoxiang Dang; Li Li
>
> **备注:** Submitted to ICASSP 2026
>
> **摘要:** The Dilated FAVOR Conformer (DF-Conformer) is an efficient variant
> of the Conformer architecture designed for speech enhancement (SE).
>
---
#### [new 002] An unscented Kalman filter method for real time input-parameter-state estimation
- **分类: eess.SP; cs.AI; eess.AS; 68T05 (Learning and adaptive systems); I.2.6**

- **简介: 该论文提出一种无迹卡尔曼滤波方法。**

- **链接: [http://arxiv.org/pdf/2511.02717v1](http://arxiv.org/pdf/2511.02717v1)**

> **作者:** Marios Impraimakis; Andrew W. Smyth
>
> **摘要:** The input-parameter-state estimation capabilities of a novel unscented Kalman filter.
>
---
## 更新

#### [replaced 001] MultiSoundGen: Video-to-Audio Generation for Multi-Event Scenarios
- **分类: cs.MM; cs.CV; cs.SD**

- **链接: [https://arxiv.org/pdf/2509.19999](https://arxiv.org/pdf/2509.19999)**

> **作者:** Jianxuan Yang; Xiaoran Yang
>
> **摘要:** Current video-to-audio (V2A) methods struggle in complex multi-event scenarios.
>
---
"""


def test_a_day_file_becomes_a_feed_answers_and_meta(tmp_path: Path) -> None:
    source = tmp_path / "daily_papers" / "20251105_Wed" / "audio.md"
    source.parent.mkdir(parents=True)
    source.write_text(DAY, encoding="utf-8")
    out = tmp_path / "day"
    assert relevance_build.main([str(source), str(out)]) == 0

    listing = parse_feed((out / "feed.xml").read_bytes())
    assert listing.date.isoformat() == "2025-11-05"  # from the folder name
    papers = {p.id: p for p in listing.papers}
    assert [p.announce_type for p in listing.papers] == ["new", "cross", "replace-cross"]
    assert papers["2511.02717"].categories == ["eess.SP", "cs.AI", "eess.AS"]  # no MSC/ACM codes
    assert papers["2509.19999"].version == 2  # no version in the link: a revision's first guess
    assert papers["2511.02454"].abstract.endswith("designed for speech enhancement (SE).")

    answers = json.loads((out / "answers.json").read_text(encoding="utf-8"))
    assert answers["2511.02454"]["summary"].startswith("该论文面向离散编解码器令牌")
    assert answers["2509.19999"] == {"title": papers["2509.19999"].title, "summary": None}
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["categories"] == ["cs.SD", "eess.AS"] and meta["header_zh"] == "音频"
    assert (meta["new"], meta["replaced"], meta["with_summary"]) == (2, 1, 2)
    assert meta["types"] == {"new": 1, "cross": 1, "replace": 0, "replace-cross": 1}


def test_new_and_replaced_keep_an_excerpt(tmp_path: Path) -> None:
    source = tmp_path / "audio.md"
    source.write_text(DAY, encoding="utf-8")
    meta = relevance_build.build(source, tmp_path / "day", "20251105_Wed", 1, 0)
    assert (meta["new"], meta["replaced"]) == (1, 0)
    assert len(parse_feed((tmp_path / "day" / "feed.xml").read_bytes()).papers) == 1
