"""The one rule for text a person types and others read back: names, titles, descriptions, list
names, tags. An email address refuses both kinds below: it is a key, not prose.

Two kinds of character are handled, differently:

- Control characters (Unicode category Cc: NUL, bell, escape, DEL, the C1 range) and lone
  surrogates (Cs) are **refused** with "... must not contain control characters". NUL breaks
  PostgreSQL text columns, a lone surrogate cannot be written as UTF-8, and escapes forge log
  lines and terminal output. They are rare in honest input, so a refusal surprises nobody.
  Multi-line text (a description) may hold line breaks and tabs.
- Invisible formatting characters are **stripped** without a word: the bidi controls
  (U+202A..U+202E embeddings and overrides, U+2066..U+2069 isolates, U+200E/U+200F and U+061C
  marks) and the zero-width space, word joiner and byte-order mark (U+200B, U+2060, U+FEFF).
  Bidi overrides make text display in another order than it is stored ("Trojan Source",
  CVE-2021-42574; "invoice" RLO "fdp.exe" shows as "invoiceexe.pdf"); zero-width characters make
  two different strings look alike. Stripping removes both dangers as surely as refusing would,
  since none of them is stored, and it is the friendlier answer: they are invisible, so a
  person told to remove one cannot find it, and they arrive in honest pasted text (a ZWSP from
  a web page, a BOM from a file, an LRM from a right-to-left editor). The cost: an RTL writer's
  LRM/RLM marks are lost; a page shows user text in its own direction (``dir="auto"``) instead.

Kept on purpose: the zero-width joiner and non-joiner (U+200D, U+200C). Emoji sequences (the
family emoji is man, ZWJ, woman, ZWJ, girl) and scripts such as Persian and the Indic ones need
them, and neither can reorder text. Other format characters (the soft hyphen, the tag
characters of flag emoji) stay too.

Pure: no Reflex, no FastAPI, no database. Strip first, then normalise, then check, so a title
of only invisible characters is "empty" and lengths count what is stored.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
    "\u200e\u200f\u061c"  # LRM RLM ALM
)
ZERO_WIDTH = frozenset("\u200b\u2060\ufeff")  # ZWSP, word joiner, BOM (zero-width no-break space)
INVISIBLE = BIDI_CONTROLS | ZERO_WIDTH
CONTROL_CHARACTERS = "must not contain control characters"

_REMOVE_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE))
_LINE_BREAKS = frozenset("\t\n")


def strip_invisible(value: str) -> str:
    """The text without bidi controls and zero-width characters (see the module's docstring)."""
    return value.translate(_REMOVE_INVISIBLE)


def has_invisible(value: str) -> bool:
    """True if ``strip_invisible`` would change the text: for keys (an email address) that
    must be refused rather than quietly made equal to another."""
    return not INVISIBLE.isdisjoint(value)


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """True for a Cc control character or a lone surrogate; ``multiline`` allows ``\\n`` and
    ``\\t``. Format characters (Cf, like the joiners of emoji) are not control characters."""
    allowed = _LINE_BREAKS if multiline else frozenset()
    return any(unicodedata.category(char) in {"Cc", "Cs"} and char not in allowed for char in value)


def control_problem(value: str, label: str, *, multiline: bool = False) -> str | None:
    """The refusal for ``label`` ("Title must not contain control characters"), if any."""
    if has_control_characters(value, multiline=multiline):
        return f"{label} {CONTROL_CHARACTERS}"
    return None
