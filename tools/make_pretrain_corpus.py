#!/usr/bin/env python3
"""Writes an unlabelled text corpus for masked-language-model pretraining of the
small encoder that reads what users of a personal assistant type: English,
Traditional Chinese (zh-TW), Simplified Chinese and mixed text, prose and code.

Usage: make_pretrain_corpus.py OUT.jsonl [--train FILE.jsonl ...]
           [--max-bytes-per-source N] [--seed N] [--real-prompts DIR]

Output: JSONL, one {"text": ...} record per line (UTF-8, not ASCII-escaped),
written to OUT.jsonl.tmp and then renamed into place. Each text is stripped,
1..1,500 characters long (longer paragraphs are split at sentence ends or line
breaks) and unique across all sources. The order is a seeded shuffle, so the
same inputs and seed give the same bytes and a sequential reader sees the
sources mixed.

Sources, in the order they claim texts (a text already taken is not taken twice),
each capped at --max-bytes-per-source UTF-8 bytes except the first:
  train         --train FILE.jsonl: our labelled training prompts, every distinct
                "text", never capped.
  python-docs   paragraphs of Python's documentation sources (Debian python3.11-doc,
                reStructuredText under /usr/share/doc/python3.11*/html/_sources).
                Licence: PSF License Agreement (Python Software Foundation).
  manpages-zh   Chinese manual pages (Debian manpages-zh, /usr/share/man/zh_TW and
                zh_CN, gzipped groff) turned into plain paragraphs. Licence, per
                /usr/share/doc/manpages-zh/copyright: GFDL-1.2+ for the package,
                GPL-2.0 / GPL-2.0+ for a few pages (kill.1, intro.6, epoll.7).
  debian-reference-zh
                Debian Reference in zh-TW and zh-CN (Debian debian-reference-zh-tw
                and -zh-cn, HTML under /usr/share/debian-reference). Licence, per
                /usr/share/doc/debian-reference-common/copyright: GPL-2+.
  real-prompts  prompts people sent to chat assistants, from ../shared/real-prompts
                beside the repository (or --real-prompts DIR); only files whose row
                in that folder's README.md table lists "training" under "may be
                used for" are read (arena-hard-v0.1.jsonl: Apache-2.0, from
                lmarena/arena-hard-auto).

data/dev/ (the held-out dev set) is never read as a source: every source path is
checked against it. Its texts are loaded only to drop any corpus text equal to
one of them, and the number dropped is reported.
"""
import argparse
import glob
import gzip
import html.parser
import json
import os
import random
import re
import sys
import textwrap

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEV_DIR = os.path.join(REPO_ROOT, "data", "dev")
DEFAULT_REAL_PROMPTS = os.path.join(os.path.dirname(REPO_ROOT), "shared", "real-prompts")

PYTHON_DOCS = "/usr/share/doc/python3.11*/html/_sources/**/*.txt"
MANPAGE_DIRS = ["/usr/share/man/zh_TW", "/usr/share/man/zh_CN"]
DEBIAN_REFERENCE = "/usr/share/debian-reference/*.zh-[ct][nw].html"

MAX_CHARS = 1500
DEFAULT_MAX_BYTES = 3_000_000
MIN_LETTER_SHARE = 0.3  # below this a text is a table rule, a hex dump, ...; code and
                        # numeric prose ("2400 bps, 9600 bps") stay above it


# --- reading: every source file goes through here, so data/dev cannot leak in

def assert_not_dev(path):
    # An explicit raise, not `assert`, so that python -O cannot switch the check off.
    dev = os.path.realpath(DEV_DIR)
    if os.path.commonpath([os.path.realpath(path), dev]) == dev:
        raise AssertionError(f"refusing to read held-out dev data: {path}")


def read_text(path):
    assert_not_dev(path)
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def read_gzip_text(path):
    assert_not_dev(path)
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        return f.read()


def jsonl_texts(text):
    for line in text.splitlines():
        if line.strip():
            value = json.loads(line).get("text")
            if isinstance(value, str):
                yield value


# --- text helpers shared by the sources

CJK_RANGES = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
CJK_CHAR = re.compile(f"[{CJK_RANGES}]")
# CJK ideographs plus full-width punctuation: no space is written between them.
CJK_OR_PUNCT = re.compile(f"[{CJK_RANGES}\u3000-\u303f\uff00-\uffef]")
WHITESPACE_RUN = re.compile(r"\s+")


def cjk_count(text):
    return len(CJK_CHAR.findall(text))


def collapse_whitespace(text):
    """Collapses each whitespace run to one space, or to nothing where a source
    wrapped a Chinese sentence across lines (a space there would be an artefact
    the encoder never sees in typed Chinese)."""
    def replace(m):
        before, after = text[m.start() - 1:m.start()], text[m.end():m.end() + 1]
        wrapped = "\n" in m.group()
        if wrapped and before and after and CJK_OR_PUNCT.match(before) and CJK_OR_PUNCT.match(after):
            return ""
        return " "
    return WHITESPACE_RUN.sub(replace, text).strip()


SPACE_BETWEEN_CJK = re.compile(f"(?<={CJK_OR_PUNCT.pattern}) (?={CJK_OR_PUNCT.pattern})")


def unspace_cjk(text):
    """Removes the spaces some old translations put between Chinese words (or
    every character), written to help groff break lines; typed Chinese has none.
    Text with only the odd such space is left alone."""
    if len(SPACE_BETWEEN_CJK.findall(text)) < 0.2 * cjk_count(text):
        return text
    return SPACE_BETWEEN_CJK.sub("", text)


def dedent_block(lines):
    """Keeps a code or verbatim block's line structure, minus common indentation."""
    return textwrap.dedent("\n".join(line.rstrip() for line in lines)).strip("\n")


SENTENCE_END = re.compile(r"(?<=[。！？\n])|(?<=[.!?])(?=\s)")


def split_long(text, limit=MAX_CHARS):
    """Splits text into chunks of at most `limit` characters, cutting after
    sentence ends or line breaks; a sentence longer than the limit is cut at a
    space if it has one near the end, else hard."""
    if len(text) <= limit:
        return [text]
    pieces = []
    for sentence in SENTENCE_END.split(text):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", limit // 2, limit)
            cut = cut if cut > 0 else limit
            pieces.append(sentence[:cut])
            sentence = sentence[cut:]
        pieces.append(sentence)
    chunks, current = [], ""
    for piece in pieces:
        if len(current) + len(piece) > limit:
            chunks.append(current)
            current = ""
        current += piece
    chunks.append(current)
    return [c.strip() for c in chunks if c.strip()]


def mostly_non_letters(text):
    visible = [c for c in text if not c.isspace()]
    letters = sum(c.isalpha() for c in visible)
    return letters < MIN_LETTER_SHARE * len(visible)


# --- source: Python documentation (reStructuredText)

RST_ADORNMENT = re.compile(r"^([=\-`:'\"~^_*+#<>.])\1{2,}$")
RST_DIRECTIVE = re.compile(r"^\s*\.\. (?:(?P<name>[\w:-]+)::)?")
RST_TABLE_BORDER = re.compile(r"^[+=][-=+ ]*$")  # grid and simple tables: layout, not text
RST_OPTION = re.compile(r"^\s+:[\w-]+:(?:\s|$)")  # not a role, :meth:`x`
# Directives whose text in the same block is prose; for the others (index,
# module, function signatures continued on a second line, ...) it is markup.
RST_PROSE_DIRECTIVES = {"note", "warning", "seealso", "versionadded", "versionchanged", "deprecated",
                        "deprecated-removed", "impl-detail", "tip", "hint", "important", "caution",
                        "attention", "danger", "error", "admonition", "topic", "rubric"}
RST_CODE_DIRECTIVES = {"code-block", "code", "sourcecode", "testcode", "testsetup", "doctest",
                       "productionlist", "parsed-literal"}
# One left-to-right pass, so each construct consumes its own backquotes.
RST_INLINE = re.compile(r"""
      :(?:[\w-]+:)*(?P<role_name>[\w-]+):`(?P<role>[^`]+)`  # :func:`os.open`
    | ``(?P<literal>.+?)``                              # ``None``
    | `(?P<link>[^`<]+?)\s*(?:<[^>`]*>)?`__?(?!\w)      # `text <url>`_  `name`_
    | (?P<interpreted>`[^`]+`)                          # `x`
    | \s*\[(?:\#[\w-]*|\d+|\*)\]_                       # [#note]_
    | \\[ ]                                             # escaped space: nothing
""", re.X)


# Roles that Sphinx shows as a reference with a prefix, not as code.
RST_NUMBERED_ROLES = {"pep": "PEP {}", "rfc": "RFC {}", "issue": "bpo-{}", "gh": "gh-{}"}


def role_text(content):
    """What a role shows: its title if it has one, else its target, where '~'
    keeps the last dotted name and '!' only suppresses the link."""
    titled = re.match(r"(.+?)\s*<[^>]*>$", content)
    if titled:
        return titled.group(1)
    if content.startswith("~"):
        return content[1:].rsplit(".", 1)[-1]
    return content.lstrip("!")


def plain_inline(m):
    if m.group("role"):
        numbered = RST_NUMBERED_ROLES.get(m.group("role_name"))
        if numbered:
            return numbered.format(role_text(m.group("role")))
        return f"`{role_text(m.group('role'))}`"
    if m.group("literal"):
        return f"`{m.group('literal')}`"
    return m.group("link") or m.group("interpreted") or ""


def plain_rst_inline(text):
    """rst inline markup as a user would type it: code in single backquotes,
    links as their text (prompts carry Markdown, not Sphinx roles)."""
    text = RST_INLINE.sub(plain_inline, text)
    if text.endswith("::"):  # "text::" introduces a code block and shows as "text:"
        text = text[:-1] if not text[:-2].endswith(" ") else text[:-2].rstrip()
    return text


def indentation(line):
    return len(line) - len(line.lstrip())


def rst_blocks(text):
    """Consecutive non-blank lines, as lists of raw lines."""
    block = []
    for line in text.splitlines():
        if line.strip():
            block.append(line)
        elif block:
            yield block
            block = []
    if block:
        yield block


def prose_lines(block):
    """A block's text lines without directive markup: the '.. name::' line, its
    ':option:' lines, and the lines indented under it unless it holds prose."""
    kept, skip_indent = [], None
    for line in block:
        indent = indentation(line)
        if skip_indent is not None and indent > skip_indent:
            continue
        skip_indent = None
        directive = RST_DIRECTIVE.match(line)
        if directive:
            # '.. ' without a name is a comment or a link target: markup too.
            skip_indent = None if directive.group("name") in RST_PROSE_DIRECTIVES else indent
        elif not RST_OPTION.match(line) and not RST_ADORNMENT.match(line.strip()):
            kept.append(line.strip())
    return kept


def introduces_code(block):
    """Whether the indented blocks after this one are a literal (code) block:
    after a code directive, or after text ending in '::' that is not itself a
    directive ('.. note::' introduces prose)."""
    names = [m.group("name") for m in map(RST_DIRECTIVE.match, block) if m and m.group("name")]
    if names:
        return names[-1] in RST_CODE_DIRECTIVES
    return block[-1].rstrip().endswith("::")


def python_doc_paragraphs(path):
    """Prose blocks joined by spaces; a literal block (the indented blocks after
    a paragraph ending in '::' or a code directive, blank lines included) and a
    doctest session keep their lines, since users paste code with its line breaks."""
    intro_indent = None  # indentation of the paragraph that announced a literal block
    code, code_indent = [], None  # the literal block so far, and its left edge
    for block in rst_blocks(read_text(path)):
        indent = indentation(block[0])
        starts_code = not code and intro_indent is not None and indent > intro_indent
        if starts_code or (code and indent >= code_indent):
            code_indent = indent if starts_code else code_indent
            code.extend(block + [""])
            continue
        if code:
            yield dedent_block(code)
            code = []
        intro_indent = indent if introduces_code(block) else None
        if block[0].lstrip().startswith(">>>"):
            yield dedent_block(block)
        elif not RST_TABLE_BORDER.match(block[0].strip()):
            lines = prose_lines(block)
            if lines:
                yield plain_rst_inline(" ".join(lines))
    if code:
        yield dedent_block(code)


def python_docs():
    files = sorted({os.path.realpath(p) for p in glob.glob(PYTHON_DOCS, recursive=True)})
    for path in files:
        for paragraph in python_doc_paragraphs(path):
            if len(paragraph) >= 20:  # shorter ones are mostly headings and labels
                yield paragraph


# --- source: Chinese manual pages (groff, man and a few mdoc pages)

NAMED_GLYPHS = {
    "em": "—", "en": "–", "hy": "-", "bu": "•", "aq": "'", "dq": '"', "lq": "“", "rq": "”",
    "oq": "‘", "cq": "’", "co": "©", "rg": "®", "de": "°", "ul": "_", "bv": "|", "br": "|",
    "mu": "×", "di": "÷", "+-": "±", "<=": "≤", ">=": "≥", "!=": "≠", "->": "→", "<-": "←",
    "ti": "~", "ha": "^", "rs": "\\", "sl": "/", "at": "@", "sh": "#", "Do": "$", "tm": "™",
}
# pod2man's quote strings; any other string register expands to nothing.
NAMED_STRINGS = {"C`": '"', "C'": '"', 'L"': "“", 'R"': "”", "Aq": "'", "--": "—", "PI": "π"}
SIMPLE_ESCAPES = {"-": "-", "e": "\\", "\\": "\\", " ": " ", "~": " ", "0": " ", "t": " ",
                  "`": "`", "'": "'", ".": "."}

GROFF_ESCAPE = re.compile(r"""\\(?:
      (?P<comment>".*)                                  # \" comment to end of line
    | (?P<glyph>\((?P<g2>..)|\[(?P<gn>[^\]]*)\])         # \(em  \[em]
    | \*(?:\((?P<s2>..)|\[(?P<sn>[^\]]*)\]|(?P<s1>.))    # \*(C`  \*[x]  \*x
    | [fFn](?:\(..|\[[^\]]*\]|.)                        # \fB \f(CW \n(.l: fonts, registers
    | s[-+]?(?:\d\d?|\(\d\d|\[\d+\])                    # \s-1: point size
    | [hvwlLoNSDbxXZ]'[^']*'                            # \h'..' and other quoted forms
    | [kz].                                             # \kx \zc
    | (?P<simple>[-e\\ ~0t`'.])                        # characters that print
    | .?                                                # \& \c \| \^ \, \/ \{ \} ...: nothing
)""", re.X)


def expand_escape(m):
    if m.group("glyph"):
        return NAMED_GLYPHS.get(m.group("g2") or m.group("gn"), "")
    string_name = m.group("s2") or m.group("sn") or m.group("s1")
    if string_name:
        return NAMED_STRINGS.get(string_name, "")
    if m.group("simple"):
        return SIMPLE_ESCAPES[m.group("simple")]
    return ""


def groff_text(line):
    return GROFF_ESCAPE.sub(expand_escape, line)


def macro_args(rest):
    """Splits a request's arguments, honouring "double quotes"."""
    return [a[1:-1] if a.startswith('"') else a for a in re.findall(r'"[^"]*"?|\S+', rest)]


FONT_MACROS_SPACED = {"B", "I", "SM", "SB"}                        # args joined by spaces
FONT_MACROS_ALTERNATING = {"BR", "RB", "IR", "RI", "BI", "IB"}      # args joined directly
HEADING_MACROS = {"SH", "SS", "Sh", "Ss"}
BREAK_MACROS = {"PP", "P", "LP", "HP", "sp", "RS", "RE", "Pp", "Bl", "El", "in", "ti", "bp", "PD"}
# mdoc(7) macros whose arguments are running text (the Nm, Fl, Xr and
# punctuation rules are in mdoc_words).
MDOC_INLINE = {"Ad", "An", "Ar", "Cd", "Cm", "Dv", "Er", "Ev", "Fa", "Fd", "Fl", "Fn", "Ft", "Ic",
               "Li", "Nm", "Pa", "Va", "Vt", "Xr", "Ql", "Dq", "Sq", "Pq", "Qq", "Op", "Em", "Sy",
               "No", "Ns", "Aq", "Bq", "Brq", "Oo", "Oc", "Ux", "Bx", "At", "Tn", "Sx", "Lk", "Mt",
               "Dl", "D1", "Nd", "Xo", "Xc"}
MDOC_PUNCTUATION = re.compile(r"[.,;:()\[\]?!]+")
NO_FILL_START = {"nf", "Vb", "EX", "CS", "Bd"}
NO_FILL_END = {"fi", "Ve", "EE", "CE", "Ed"}
SKIP_UNTIL_DOTS = {"de", "de1", "am", "ig"}                         # macro definitions, ignored text


class ManPage:
    """Accumulates a man page's text into paragraphs: filled text is joined into
    one line, no-fill (verbatim) text keeps its lines. A .TP or .IP item's tag
    is kept apart from its body so the two are never run together."""

    def __init__(self):
        self.paragraphs, self.lines, self.no_fill = [], [], False
        self.tag, self.tag_expected = "", False
        self.name = ""  # mdoc pages name themselves once (.Nm name) and then write a bare .Nm

    def text(self, line):
        if self.tag_expected and line.strip():
            self.tag, self.tag_expected = line, False
        elif line.strip() or self.no_fill:
            self.lines.append(line)

    def line_break(self):
        self.lines.append("\n")

    def expect_tag(self):
        self.tag_expected = True

    def flush(self):
        if self.no_fill:
            body = dedent_block(self.lines)
        else:
            body = collapse_whitespace("\n".join(self.lines))
        paragraph = " ".join(part for part in (collapse_whitespace(self.tag), body) if part.strip())
        if paragraph.strip():
            self.paragraphs.append(paragraph)
        self.lines, self.tag, self.tag_expected = [], "", False


def tbl_data_lines(lines):
    """The data rows of a tbl(1) table (lines between .TS and .TE): skips the
    options and format lines (the format ends at a line ending in '.'), joins
    T{ ... T} text blocks onto their row, and turns cell separators into spaces."""
    sep = "\t"
    options = re.search(r"tab\s*\((.)\)", lines[0]) if lines else None
    if options:
        sep = options.group(1)
    data, in_format = [], True
    for line in lines:
        if line.startswith(".T&"):
            in_format = True
        elif in_format:
            in_format = not line.rstrip().endswith(".")
        else:
            data.append(line)
    rows = re.sub(r"T\{\n(.*?)\nT\}", lambda m: m.group(1).replace("\n", " "),
                  "\n".join(data), flags=re.S)
    return [row.replace(sep, " ") for row in rows.splitlines()]


def man_lines(source):
    """The page's lines with tbl tables replaced by their data rows and macro
    definitions (.de ... ..) removed; each row is followed by a paragraph break."""
    lines, i = source.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        request = parse_request(line)[0] if line[:1] in ".'" else ""
        if request in SKIP_UNTIL_DOTS:
            while i < len(lines) and lines[i].strip() != "..":
                i += 1
        elif request == "TS":
            end = next((j for j in range(i, len(lines)) if lines[j].startswith(".TE")), len(lines))
            for row in tbl_data_lines(lines[i + 1:end]):
                yield row
                yield ".sp"
            i = end
        else:
            yield line
        i += 1


def mdoc_words(tokens, page_name):
    """The text of an mdoc(7) line such as 'Cm Hostbased Ns Fl v Xr ssh 1 .':
    macro names dropped, Fl adding its dash, Xr writing name(section), a bare
    Nm standing for the page's name, and punctuation attached to its word."""
    words, i = [], 0
    while i < len(tokens):
        token, following = tokens[i], tokens[i + 1:]
        if token == "Xr" and len(following) >= 2:
            words.append(f"{following[0]}({following[1]})")
            i += 2
        elif token == "Fl":
            flag_name = following[0] if following and following[0] not in MDOC_INLINE else ""
            words.append("-" + flag_name)
            i += 1 if flag_name else 0
        elif token == "Nm" and (not following or following[0] in MDOC_INLINE
                                or MDOC_PUNCTUATION.fullmatch(following[0])):
            words.append(page_name)
        elif token not in MDOC_INLINE:
            words.append(token)
        i += 1
    text = " ".join(w for w in words if w)
    return re.sub(r"\s+([.,;:)\]?!])", r"\1", re.sub(r"([(\[])\s+", r"\1", text))


def parse_request(line):
    parts = line[1:].strip().split(maxsplit=1)
    request, rest = (parts + [""])[:2] if parts else ("", "")
    return request, [groff_text(a) for a in macro_args(rest)]


def apply_request(page, request, args):
    """What a request line contributes: a paragraph break, a heading, an item
    tag, a font change's text; anything else (.TH, .if, .ds, .nr, comments)
    sets state, not text."""
    if request in HEADING_MACROS:
        page.flush()
        page.text(" ".join(args))
        page.flush()
    elif request == "TP":
        page.flush()
        page.expect_tag()  # the next line is the item's tag
    elif request in ("IP", "It"):
        page.flush()
        if args:
            page.expect_tag()
            page.text(mdoc_words(args, page.name) if request == "It" else args[0])
    elif request in BREAK_MACROS:
        page.flush()
    elif request in NO_FILL_START or request in NO_FILL_END:
        page.flush()
        page.no_fill = request in NO_FILL_START
    elif request in FONT_MACROS_SPACED:
        page.text(" ".join(args))
    elif request in FONT_MACROS_ALTERNATING:
        page.text("".join(args))
    elif request == "br":
        page.line_break()
    elif request in MDOC_INLINE:
        if request == "Nm" and args and not page.name:
            page.name = args[0]
        page.text(mdoc_words([request] + args, page.name))


def manpage_paragraphs(source):
    page = ManPage()
    for line in man_lines(source):
        if line[:1] in ".'":
            apply_request(page, *parse_request(line))
        else:
            page.text(groff_text(line))
    page.flush()
    return page.paragraphs


def manpages_zh():
    files = sorted(p for d in MANPAGE_DIRS for p in glob.glob(os.path.join(d, "**", "*.gz"), recursive=True)
                   if not os.path.islink(p))  # links are other names of the same page
    for path in files:
        for paragraph in manpage_paragraphs(read_gzip_text(path)):
            if cjk_count(paragraph) >= 8:  # English-only lines are option lists and code
                yield unspace_cjk(paragraph)


# --- source: Debian Reference in Chinese (DocBook HTML)

BLOCK_TAGS = {"p", "div", "li", "dt", "dd", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
              "table", "ul", "ol", "dl", "blockquote", "caption", "br", "hr", "title"}
CELL_TAGS = {"td", "th"}
# Navigation bars and tables of contents repeat the headings; <head> is metadata.
SKIPPED_CLASSES = {"navheader", "navfooter", "toc", "list-of-tables", "list-of-figures"}


class HtmlParagraphs(html.parser.HTMLParser):
    """Collects the text of each block element as one paragraph; <pre> keeps its
    lines, other text has its whitespace collapsed; a table row is one paragraph."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs, self.buffer = [], []
        self.skip_stack = []  # one entry per open element: is its text skipped?
        self.pre_depth = 0

    def skipping(self):
        return bool(self.skip_stack) and self.skip_stack[-1]

    def handle_starttag(self, tag, attrs):
        classes = set((dict(attrs).get("class") or "").split())
        self.skip_stack.append(self.skipping() or tag == "head" or bool(classes & SKIPPED_CLASSES))
        if tag in BLOCK_TAGS:
            self.flush()
        elif tag in CELL_TAGS:
            self.buffer.append(" ")
        if tag == "pre":
            self.pre_depth += 1

    def handle_endtag(self, tag):
        if tag in BLOCK_TAGS:
            self.flush()
        if tag == "pre" and self.pre_depth:
            self.pre_depth -= 1
        if self.skip_stack:
            self.skip_stack.pop()

    def handle_startendtag(self, tag, attrs):
        # XHTML's <br/>, <col/>, <a id=".."/>: nothing opens, so nothing to pop.
        if tag in BLOCK_TAGS:
            self.flush()

    def handle_data(self, data):
        if not self.skipping():
            self.buffer.append(data)

    def flush(self):
        text = "".join(self.buffer)
        self.buffer = []
        text = dedent_block(text.splitlines()) if self.pre_depth else collapse_whitespace(text)
        if text.strip():
            self.paragraphs.append(text)


def debian_reference_zh():
    for path in sorted(glob.glob(DEBIAN_REFERENCE)):
        parser = HtmlParagraphs()
        parser.feed(read_text(path))
        parser.close()
        parser.flush()
        for paragraph in parser.paragraphs:
            if len(paragraph) >= 8:
                yield paragraph


# --- source: real prompts (only files licensed for training)

def training_files_from_readme(readme_text):
    """Maps each file named in the README's table to whether its "may be used
    for" column includes training."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in readme_text.splitlines() if line.strip().startswith("|")]
    if not rows:
        return {}
    header = [h.lower() for h in rows[0]]
    file_col, use_col = header.index("file"), header.index("may be used for")
    usable = {}
    for row in rows[1:]:
        if len(row) > max(file_col, use_col) and not set(row[file_col]) <= set("-: "):
            usable[row[file_col].strip("`")] = "training" in row[use_col].lower()
    return usable


def real_prompts(directory):
    readme = os.path.join(directory, "README.md")
    if not os.path.exists(readme):
        print(f"real-prompts: no {readme}; source skipped", file=sys.stderr)
        return
    usable = training_files_from_readme(read_text(readme))
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".jsonl"):
            continue
        if not usable.get(name, False):
            why = "not listed in README.md" if name not in usable else "not marked for training"
            print(f"real-prompts: skipped {name} ({why})", file=sys.stderr)
            continue
        yield from jsonl_texts(read_text(os.path.join(directory, name)))


def train_prompts(paths):
    for path in sorted(paths):
        yield from jsonl_texts(read_text(path))


# --- assembly

def dev_texts():
    """The held-out dev texts, loaded only to keep them out of the corpus."""
    texts = set()
    for path in sorted(glob.glob(os.path.join(DEV_DIR, "*.jsonl"))):
        with open(path, encoding="utf-8") as f:
            texts.update(t.strip() for t in jsonl_texts(f.read()))
    return texts


class Corpus:
    """Texts taken so far, unique across sources, none equal to a dev text."""

    def __init__(self, excluded):
        self.excluded, self.taken, self.records = excluded, set(), []
        self.dropped_as_dev = 0

    def candidates(self, paragraphs, keep_symbol_heavy):
        """A source's new texts: stripped, split to the length limit, without
        duplicates, texts already taken, dev texts or (for documentation)
        symbol-heavy junk."""
        fresh, seen = [], set()
        for paragraph in paragraphs:
            if paragraph.strip() in self.excluded:
                self.dropped_as_dev += 1
                continue
            for text in split_long(paragraph.strip()):
                if text in self.excluded:
                    self.dropped_as_dev += 1
                elif text in seen or text in self.taken:
                    continue
                elif keep_symbol_heavy or not mostly_non_letters(text):
                    seen.add(text)
                    fresh.append(text)
        return fresh

    def add(self, name, texts):
        self.taken.update(texts)
        self.records.extend(texts)
        size = sum(len(t.encode("utf-8")) for t in texts)
        print(f"{name}: {len(texts)} records, {size} bytes", file=sys.stderr)


def take_capped(texts, max_bytes, rng):
    """A seeded random subset up to max_bytes, so the cap samples every file
    instead of keeping only the first ones in sorted order."""
    texts = list(texts)
    rng.shuffle(texts)
    taken, total = [], 0
    for text in texts:
        size = len(text.encode("utf-8"))
        if total + size > max_bytes:
            break
        taken.append(text)
        total += size
    return taken


def write_jsonl(path, texts):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        for text in texts:
            out.write(json.dumps({"text": text}, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", metavar="OUT.jsonl")
    ap.add_argument("--train", action="append", default=[], metavar="FILE.jsonl",
                    help="labelled training prompts (repeatable); all distinct texts are kept")
    ap.add_argument("--max-bytes-per-source", type=int, default=DEFAULT_MAX_BYTES, metavar="N")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--real-prompts", default=DEFAULT_REAL_PROMPTS, metavar="DIR")
    return ap.parse_args()


def main():
    args = parse_args()
    rng = random.Random(args.seed)
    corpus = Corpus(dev_texts())
    corpus.add("train", corpus.candidates(train_prompts(args.train), keep_symbol_heavy=True))
    capped_sources = [
        ("python-docs", python_docs(), False),
        ("manpages-zh", manpages_zh(), False),
        ("debian-reference-zh", debian_reference_zh(), False),
        ("real-prompts", real_prompts(args.real_prompts), True),  # typed prompts: "2+2=?" is text
    ]
    # Debian packages each documentation source comes from: a missing one would
    # silently change the corpus, and with it the model, so it stops the run.
    packages = {"python-docs": "python3-doc", "manpages-zh": "manpages-zh",
                "debian-reference-zh": "debian-reference-zh-tw and debian-reference-zh-cn"}
    for name, paragraphs, keep_symbol_heavy in capped_sources:
        fresh = corpus.candidates(paragraphs, keep_symbol_heavy)
        taken = take_capped(fresh, args.max_bytes_per_source, rng)
        if not taken and name in packages:
            sys.exit(f"make_pretrain_corpus.py: no text from {name} (apt-get install {packages[name]})")
        corpus.add(name, taken)

    records = corpus.records
    rng.shuffle(records)
    write_jsonl(args.out, records)
    size = sum(len(t.encode("utf-8")) for t in records)
    with_cjk = sum(1 for t in records if CJK_CHAR.search(t))
    print(f"dropped as equal to a data/dev text: {corpus.dropped_as_dev}", file=sys.stderr)
    print(f"total: {len(records)} records, {size} bytes, "
          f"{with_cjk / max(len(records), 1):.1%} with CJK characters -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
