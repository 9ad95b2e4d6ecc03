"""A TeX formula as Unicode text, when Unicode writes it exactly.

GitHub's math needs a space between a formula and a letter (github/markup#1742), so
``RealD$^2$iff`` would read "RealD ² iff"; feeds, pushes and HTML without MathJax show no math
at all. What plain text writes exactly — superscript and subscript digits and letters, Greek
letters, common operators, relations and arrows, upright names — is written as text
(RealD²iff, α-stable, ≤ 5, O(n log n)); anything else (fractions, roots of more than one symbol,
accents, fonts, a script with no Unicode form) returns None and stays math.

Spacing follows TeX's own classes in a simplified form: a space around a binary operator
between two operands and around a relation, none elsewhere, whatever spaces the source had.
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["ord", "op", "bin", "rel", "open", "close", "punct", "space"]
Atom = tuple[str, Kind]

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "varpi": "ϖ", "rho": "ρ",
    "varrho": "ϱ", "sigma": "σ", "varsigma": "ς", "tau": "τ", "upsilon": "υ", "phi": "ϕ",
    "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}  # fmt: skip
ORD = GREEK | {
    "infty": "∞", "partial": "∂", "nabla": "∇", "hbar": "ℏ", "ell": "ℓ", "emptyset": "∅",
    "varnothing": "∅", "forall": "∀", "exists": "∃", "neg": "¬", "lnot": "¬", "prime": "′",
    "ldots": "…", "dots": "…", "cdots": "⋯", "dagger": "†", "%": "%", "#": "#", "&": "&",
    "$": "$", "_": "_", "{": "{", "}": "}", "|": "‖", "Vert": "‖", "vert": "|", "angle": "∠",
    "top": "⊤", "bot": "⊥", "aleph": "ℵ", "Re": "ℜ", "Im": "ℑ", "wp": "℘",
}  # fmt: skip
BIN = {
    "times": "×", "cdot": "⋅", "pm": "±", "mp": "∓", "circ": "∘", "ast": "∗", "star": "⋆",
    "cup": "∪", "cap": "∩", "setminus": "∖", "oplus": "⊕", "otimes": "⊗", "wedge": "∧",
    "land": "∧", "vee": "∨", "lor": "∨", "div": "÷", "bullet": "∙",
}  # fmt: skip
REL = {
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "ne": "≠", "neq": "≠", "leqslant": "⩽",
    "geqslant": "⩾", "approx": "≈", "sim": "∼", "simeq": "≃", "cong": "≅", "equiv": "≡",
    "propto": "∝", "ll": "≪", "gg": "≫", "lesssim": "≲", "gtrsim": "≳", "in": "∈",
    "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆", "supset": "⊃", "supseteq": "⊇",
    "to": "→", "rightarrow": "→", "gets": "←", "leftarrow": "←", "Rightarrow": "⇒",
    "Leftarrow": "⇐", "leftrightarrow": "↔", "Leftrightarrow": "⇔", "iff": "⟺",
    "implies": "⟹", "mapsto": "↦", "longrightarrow": "⟶", "longleftarrow": "⟵",
    "Longrightarrow": "⟹", "uparrow": "↑", "downarrow": "↓", "mid": "∣", "perp": "⊥",
    "parallel": "∥", "models": "⊨", "vdash": "⊢", "coloneqq": "≔", "prec": "≺", "succ": "≻",
    "preceq": "⪯", "succeq": "⪰",
}  # fmt: skip
OPERATORS = {  # big operators and upright names; no limits above or below in plain text
    "sum": "∑", "prod": "∏", "int": "∫", "oint": "∮", "bigcup": "⋃", "bigcap": "⋂",
} | {name: name for name in (
    "log", "ln", "exp", "sin", "cos", "tan", "max", "min", "lim", "det", "dim", "deg", "gcd",
    "arg", "sup", "inf", "ker", "Pr", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan",
)}  # fmt: skip
OPEN = {"langle": "⟨", "lfloor": "⌊", "lceil": "⌈", "lbrace": "{", "lvert": "|", "lVert": "‖"}
CLOSE = {"rangle": "⟩", "rfloor": "⌋", "rceil": "⌉", "rbrace": "}", "rvert": "|", "rVert": "‖"}
SPACES = {",": "\u2009", ":": " ", ";": " ", ">": " ", " ": " ", "quad": "\u2003",
          "qquad": "\u2003\u2003", "!": "", "enspace": "\u2002"}  # fmt: skip
SIZES = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
         "biggl", "biggr", "Biggl", "Biggr", "middle"}  # fmt: skip
TEXT = {"text", "textrm", "mathrm", "textup", "operatorname", "mbox"}
DOUBLE_STRUCK = {"C": "ℂ", "H": "ℍ", "N": "ℕ", "P": "ℙ", "Q": "ℚ", "R": "ℝ", "Z": "ℤ", "E": "𝔼"}

SUPERSCRIPT = dict(zip(
    "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW′αβγδεθιϕχ∘⊤",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ′ᵅᵝᵞᵟᵋᶿᶥᵠᵡ°ᵀ",
    strict=True,
))  # fmt: skip
SUBSCRIPT = dict(zip(
    "0123456789+-=()aehijklmnoprstuvxβγρϕχ",
    "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
    strict=True,
))  # fmt: skip

_TOKEN = re.compile(r"\\(?:[A-Za-z]+|.)|\s+|.", re.DOTALL)
_CHAR_KINDS: dict[str, Kind] = {
    "+": "bin", "-": "bin", "*": "bin", "=": "rel", "<": "rel", ">": "rel", ":": "rel",
    ",": "punct", ";": "punct", "(": "open", "[": "open", ")": "close", "]": "close",
    "!": "close", "?": "close", ".": "ord", "/": "ord", "|": "ord", "'": "ord",
}  # fmt: skip
_CHAR_TEXT = {"-": "−", "*": "∗", "'": "′"}
_PLAIN_TEXT = re.compile(r"[A-Za-z0-9 .,:;/()\-]*")


class _Inexact(Exception):
    """The formula holds something plain text cannot write exactly."""


def formula_text(tex: str) -> str | None:
    """The formula as Unicode text, or None when only math typesetting shows it as meant."""
    try:
        atoms = _Parser(_TOKEN.findall(tex)).atoms(until=None)
    except _Inexact:
        return None
    return _spaced(atoms)


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.at = 0

    def more(self) -> bool:
        """Whether a token other than a space follows (math mode ignores spaces)."""
        while self.at < len(self.tokens) and self.tokens[self.at].isspace():
            self.at += 1
        return self.at < len(self.tokens)

    def next(self) -> str:
        if not self.more():
            raise _Inexact
        self.at += 1
        return self.tokens[self.at - 1]

    def atoms(self, until: str | None) -> list[Atom]:
        out: list[Atom] = []
        while self.more():
            token = self.next()
            if token == until:
                return out
            if token in ("^", "_"):
                table = SUPERSCRIPT if token == "^" else SUBSCRIPT
                script = "".join(table.get(c) or _fail() for c in self._argument_text())
                base, kind = out.pop() if out and out[-1][1] != "space" else ("", "ord")
                out.append((base + script, kind))
            elif token == "{":
                out += self.atoms(until="}")
            else:
                out += self._atom(token)
        if until is not None:
            raise _Inexact  # a group never closed
        return out

    def _argument(self) -> list[Atom]:
        token = self.next()
        return self.atoms(until="}") if token == "{" else self._atom(token)

    def _argument_text(self) -> str:
        atoms = self._argument()
        if any(kind == "space" for _, kind in atoms):
            raise _Inexact
        return "".join(text for text, _ in atoms).replace("−", "-")

    def _atom(self, token: str) -> list[Atom]:
        if not token.startswith("\\"):
            if token.isascii() and (token.isalnum() or token in _CHAR_KINDS):
                return [(_CHAR_TEXT.get(token, token), _CHAR_KINDS.get(token, "ord"))]
            if token == "~":
                return [(" ", "space")]
            raise _Inexact  # &, #, %, }, non-ASCII, …
        name = token[1:]
        for table, kind in ((ORD, "ord"), (BIN, "bin"), (REL, "rel"), (OPERATORS, "op"),
                            (OPEN, "open"), (CLOSE, "close"), (SPACES, "space")):  # fmt: skip
            if name in table:
                return [(table[name], kind)]  # type: ignore[list-item]
        if name in SIZES:  # \left( is (, and \left. nothing
            delimiter = self.next()
            return [] if delimiter == "." else self._atom(delimiter)
        if name in TEXT:
            return [(self._group_text(), "op" if name == "operatorname" else "ord")]
        if name == "mathbb":
            return [("".join(DOUBLE_STRUCK.get(c) or _fail() for c in self._group_text()), "ord")]
        if name == "sqrt":
            radicand = self._argument_text()
            if not (radicand.isdigit() or (len(radicand) == 1 and radicand.isalpha())):
                raise _Inexact  # √ covers one symbol or one number exactly
            return [("√" + radicand, "ord")]
        raise _Inexact

    def _group_text(self) -> str:
        """The argument of \\text and its kin: plain words only."""
        if self.next() != "{":
            raise _Inexact
        parts = []
        while (token := self.tokens[self.at] if self.at < len(self.tokens) else _fail()) != "}":
            parts.append(token)
            self.at += 1
        self.at += 1
        text = "".join(parts)
        if not _PLAIN_TEXT.fullmatch(text):
            raise _Inexact
        return text


def _fail() -> str:
    raise _Inexact


def _spaced(atoms: list[Atom]) -> str:
    """The atoms with TeX's spacing simplified: spaces around relations and around binary
    operators that have an operand on each side, between a name and its operand."""
    kinds = [kind for _, kind in atoms]
    for i, kind in enumerate(kinds):
        if kind == "bin":
            before = kinds[i - 1] if i else None
            after = kinds[i + 1] if i + 1 < len(kinds) else None
            if before in (None, "bin", "rel", "open", "punct", "op") or after in (
                None, "rel", "close", "punct",
            ):  # fmt: skip
                kinds[i] = "ord"  # a sign: −4.9, (−1), x = −y
    out: list[str] = []
    for i, (text, kind) in enumerate(zip((t for t, _ in atoms), kinds, strict=True)):
        if i and _space_between(kinds[i - 1], kind, out[-1], text):
            out.append(" ")
        out.append(text)
    return "".join(out).strip()


def _space_between(left: Kind, right: Kind, left_text: str, right_text: str) -> bool:
    if "space" in (left, right):
        return False
    if "bin" in (left, right):
        return True
    if right == "rel":
        return left not in ("rel", "open", "punct")
    if left == "rel":
        return right not in ("rel", "close", "punct")
    if left == "punct":  # 1,000 is a number; (a, b) a pair
        return not (left_text == "," and right_text[:1].isdigit())
    if left == "op":
        return right not in ("open", "punct", "close")
    return right == "op" and left in ("ord", "close")
