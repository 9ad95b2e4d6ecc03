"""arXiv's text as github.com shows it (cmark-gfm with its autolink extension), and as plain
Unicode text for places with no math typesetting; every scan linear in the field's length."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from arxiv_digest.models import Digest, Entry, Group, Paper
from arxiv_digest.render.markdown import render_digest
from arxiv_digest.render.tex import to_text, typeset
from arxiv_digest.render.unimath import formula_text
from tests.support.github import hrefs, html

# Real abstracts and titles of cs.CV, 31 Oct 2025 (the team's relevance set, days/
# 20251031_Fri_video/feed.xml): (arXiv id, a fragment of arXiv's text, github.com's HTML of it)
REAL = [
    (  # an underscore in a URL: no backslash of our escaping may go inside the link
        "2505.12191", "The code is available at https://github.com/wenquanlu/noisy_dinov2.",
        '<p>The code is available at <a href="https://github.com/wenquanlu/noisy_dinov2">'
        "https://github.com/wenquanlu/noisy_dinov2</a>.</p>",
    ),
    (
        "2510.21271", "The code is available at https://github.com/hyeongyu-kim/Buffer_TTA.",
        '<p>The code is available at <a href="https://github.com/hyeongyu-kim/Buffer_TTA">'
        "https://github.com/hyeongyu-kim/Buffer_TTA</a>.</p>",
    ),
    (  # \href{url}{text}: the field is typeset as usual, the text shown with its URL
        "2412.15389",
        r"using only 5% labels, the performance drops are minimal: 5.9% for UNet -- "
        r"publicly available \href{https://github.com/zeeshannisar/resource-effecient-multi-stain"
        r"-kidney-glomeruli-segmentation.git}{online}.",
        "<p>using only 5% labels, the performance drops are minimal: 5.9% for UNet – publicly "
        'available online (<a href="https://github.com/zeeshannisar/resource-effecient-multi-'
        'stain-kidney-glomeruli-segmentation.git">https://github.com/zeeshannisar/resource-'
        "effecient-multi-stain-kidney-glomeruli-segmentation.git</a>).</p>",
    ),
    (  # the author's %, and link text that is the URL again
        "2510.26141",
        r"The code is publicly available at %\href{https://github.com/Teagrus/StructLayoutFormer}"
        r" {https://github.com/Teagrus/StructLayoutFormer}.",
        '<p>The code is publicly available at <a href="https://github.com/Teagrus/'
        'StructLayoutFormer">https://github.com/Teagrus/StructLayoutFormer</a>.</p>',
    ),
    (  # a formula glued to a word keeps the word whole
        "2510.26568", r"SA$^{2}$Net: Scale-Adaptive Structure-Affinity Transformation",
        "<p>SA²Net: Scale-Adaptive Structure-Affinity Transformation</p>",
    ),
    (
        "2510.26213", r"strong performance on multiple domains in M$^{6}$Doc dataset",
        "<p>strong performance on multiple domains in M⁶Doc dataset</p>",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("arxiv_id", "tex", "shown"), REAL)
def test_real_text_as_github_shows_it(arxiv_id: str, tex: str, shown: str):
    assert html(typeset(tex)) == shown


@pytest.mark.parametrize(
    ("tex", "shown"),
    [  # the cases of the published digest's comparison, and their neighbours
        (r"see https://github.com/huggingface/open_asr_leaderboard, and",
         '<p>see <a href="https://github.com/huggingface/open_asr_leaderboard">'
         "https://github.com/huggingface/open_asr_leaderboard</a>, and</p>"),
        (r"at \url{https://github.com/a/open\_asr\_leaderboard}",  # TeX's escapes undone
         '<p>at <a href="https://github.com/a/open_asr_leaderboard">'
         "https://github.com/a/open_asr_leaderboard</a></p>"),
        (r"accuracy of 99.17\% (\href{https://x.org/a_b}{code})",
         '<p>accuracy of 99.17% (code (<a href="https://x.org/a_b">https://x.org/a_b</a>))</p>'),
        (r"RealD$^2$iff and G$^2$VLM", "<p>RealD²iff and G²VLM</p>"),
        (r"(see www.x.org/a_b)", '<p>(see <a href="http://www.x.org/a_b">www.x.org/a_b</a>)</p>'),
        (r"mail a_b@x.org", '<p>mail <a href="mailto:a_b@x.org">a_b@x.org</a></p>'),
        (r"not javascript://x.org/a_b", "<p>not javascript://x.org/a_b</p>"),
        (r"https://x.org/(a_b))", '<p><a href="https://x.org/(a_b)">https://x.org/(a_b)</a>)</p>'),
    ],
)  # fmt: skip
def test_links_and_words_as_github_shows_them(tex: str, shown: str):
    assert html(typeset(tex)) == shown


def test_a_link_in_a_title_is_text_inside_the_recommended_link():
    """⭐ 今日推荐 links each title to its block: a link may not hold another link."""
    paper = Paper(
        id="2505.12191", version=1, announce_type="new", title="Code at https://x.org/a_b",
        authors=["A"], categories=["cs.CV"], abstract="X",
    )  # fmt: skip
    group = Group(name="v", title="视觉", categories=["cs.CV"], top=1)
    entry = Entry(paper=paper, status="skipped", score=50)
    markdown = render_digest(Digest(date=dt.date(2025, 10, 31), group=group, entries=[entry]))
    assert hrefs(markdown).count("#2505.12191") == 1
    assert hrefs(markdown).count("https://x.org/a_b") == 1  # in the heading, not in the ⭐ list


@pytest.mark.parametrize(
    ("tex", "unicode"),
    [
        (r"^2", "²"), (r"x_i^2", "xᵢ²"), (r"\alpha", "α"), (r"\leq 5", "≤ 5"),
        (r"1\times 10^{-3}", "1 × 10⁻³"), (r"-4.9(1)", "−4.9(1)"), (r"O(n\log n)", "O(n log n)"),
        (r"\text{GHZ}_n", "GHZₙ"), (r"k\to\infty", "k → ∞"), (r"90^\circ", "90°"),
        (r"\left( a, b \right)", "(a, b)"), (r"\mathbb{R}^d", "ℝᵈ"), (r"\sqrt{2}", "√2"),
        (r"x \in [0,1]", "x ∈ [0,1]"), (r"p<0.05", "p < 0.05"), (r"A^\top", "Aᵀ"),
        # what plain text cannot write exactly stays math
        (r"N_c", None), (r"x^*", None), (r"\frac12", None), (r"\mathcal{O}(n)", None),
        (r"\sqrt{xy}", None), (r"x^{2^n}", None), (r"\hat{x}", None), (r"a & b", None),
        (r"{x", None), (r"é", None),
    ],
)  # fmt: skip
def test_formula_as_unicode_when_exact(tex: str, unicode: str | None):
    assert formula_text(tex) == unicode


def test_to_text_is_plain_unicode():
    """For feeds, HTML and pushes: no Markdown escapes, TeX's text mode converted, formulas
    in Unicode where exact, the rest as the author's $…$."""
    tex = (
        r"RealD$^2$iff: 25\% of \emph{R\&D} -- $\alpha$-stable, $\frac{a}{b}$ at "
        r"\href{https://x.org/a_b}{code} by Schr\"odinger [*x*]"
    )
    assert to_text(tex) == (
        "RealD²iff: 25% of R&D – α-stable, $\\frac{a}{b}$ at code (https://x.org/a_b) "
        "by Schrödinger [*x*]"
    )


def _seconds(field: str) -> float:
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        typeset(field)
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize(
    ("unit", "scaled"),
    [
        ("$1", True),  # each $ closed only by a far one: the scan was quadratic (6,000: 2.3 s)
        ("$$a", True),
        ("\\(", True),
        (")", True),
        ("x^{", True),
        ("\\a ", False),  # a macro per word: the TeX parser's cost per node, linear but slow
    ],
)
def test_long_fields_typeset_in_linear_time(unit: str, scaled: bool):
    """6,000 characters (the abstract's cap) within 2 s (was 2.3–7.9 s); 4× the text, ≲ 4× the
    time."""
    assert _seconds(unit * (6_000 // len(unit)) + "$") < 2.0
    if scaled:
        small = _seconds(unit * (3_000 // len(unit)) + "$")
        large = _seconds(unit * (12_000 // len(unit)) + "$")
        assert large < 8 * small + 0.05  # quadratic would be 16×
    assert to_text(unit * 100) is not None
