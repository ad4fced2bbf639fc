#!/usr/bin/python3
"""Structural check of an HTML report written by `complexity evaluate --report`.

usage: report_check.py REPORT.html PREDICTOR[,PREDICTOR...]

Parses the page with html.parser and fails (exit 1, one line per problem) when:
an element is closed out of order or left open; the page loads anything
(script, link, iframe, img/src, href, url(), @import, http other than the SVG
namespace); a section is missing; the summary table lacks a row per predictor;
a predictor has no heat map or scatter plot; the worst-error table has more
than 20 rows; text holds control characters."""
import re
import sys
from html.parser import HTMLParser

VOID = {"meta", "br", "hr", "img", "input", "link", "wbr", "col", "area", "base", "source"}
SVG_LEAVES = {"circle", "line", "rect", "path", "polyline"}
SECTIONS = ["summary", "confusion", "scatter", "languages", "classes", "worst"]


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems = [], []
        self.sections, self.section = [], None
        self.rows = {}            # section id -> body rows
        self.first_cells = {}     # section id -> first cell text of each body row
        self.in_tbody = self.in_first_cell = False
        self.cell_index = 0
        self.heatmaps = self.svgs = self.points = self.texts = self.curves = 0
        self.svg_class = ""
        self.figcaptions, self.in_figcaption = [], False

    def problem(self, msg):
        self.problems.append(f"line {self.getpos()[0]}: {msg}")

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "iframe", "link", "object", "embed", "img"):
            self.problem(f"<{tag}> is not allowed in a self-contained report")
        for k, v in attrs:
            if k in ("src", "href", "srcset", "action") or (v and "url(" in v):
                self.problem(f"external reference {k}={v!r}")
            if k.startswith("on"):
                self.problem(f"event handler {k}")
        if tag == "section":
            self.section = a.get("id")
            self.sections.append(self.section)
        if tag == "tbody":
            self.in_tbody = True
        if tag == "tr" and self.in_tbody and a.get("class") != "txt":
            self.rows[self.section] = self.rows.get(self.section, 0) + 1
            self.cell_index = 0
        elif tag == "tr":
            self.cell_index = -1  # a text row under a worst-error row, or a header row
        if tag == "td" and self.in_tbody and self.cell_index >= 0:
            self.in_first_cell = self.cell_index == 0
            self.cell_index += 1
            if self.in_first_cell:
                self.first_cells.setdefault(self.section, []).append("")
        if tag == "td" and a.get("class") == "text" and self.section == "worst":
            self.texts += 1
        if tag == "table" and a.get("class") == "cm":
            self.heatmaps += 1
        if tag == "svg" and a.get("class") == "scatter":
            self.svgs += 1
        if tag == "svg" and a.get("class") == "curve":
            self.curves += 1
        if tag == "circle" and self.stack and "scatter" in self.svg_class:
            self.points += 1
        if tag == "svg":
            self.svg_class = a.get("class") or ""
        if tag == "figcaption":
            self.in_figcaption = True
            self.figcaptions.append("")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag not in SVG_LEAVES and tag not in VOID:
            self.problem(f"self-closing <{tag}/> outside SVG leaves")
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            self.problem(f"end tag for void element </{tag}>")
            return
        if not self.stack or self.stack[-1] != tag:
            self.problem(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            return
        self.stack.pop()
        if tag == "tbody":
            self.in_tbody = False
        if tag == "td":
            self.in_first_cell = False
        if tag == "figcaption":
            self.in_figcaption = False
        if tag == "section":
            self.section = None

    def handle_data(self, data):
        if re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", data):
            self.problem("control character in text")
        if self.in_first_cell and self.section in self.first_cells:
            self.first_cells[self.section][-1] += data
        if self.in_figcaption:
            self.figcaptions[-1] += data


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    page = open(sys.argv[1], encoding="utf-8").read()
    predictors = sys.argv[2].split(",")
    c = Checker()
    if not page.startswith("<!DOCTYPE html>"):
        c.problems.append("no <!DOCTYPE html>")
    c.feed(page)
    c.close()
    if c.stack:
        c.problems.append(f"unclosed elements: {c.stack}")
    for m in re.finditer(r"https?://[^\"' )]*", page):
        if m.group(0) != "http://www.w3.org/2000/svg":
            c.problems.append(f"external address {m.group(0)}")
    if "@import" in page:
        c.problems.append("@import in CSS")
    for s in SECTIONS:
        if s not in c.sections:
            c.problems.append(f"missing section #{s}")
    summary = [t.strip() for t in c.first_cells.get("summary", [])]
    if summary != predictors:
        c.problems.append(f"summary rows {summary}, expected {predictors}")
    if c.heatmaps != len(predictors) or c.svgs != len(predictors):
        c.problems.append(f"{c.heatmaps} heat maps and {c.svgs} plots for {len(predictors)} predictors")
    if c.curves != 1:
        c.problems.append(f"{c.curves} cost/quality curves, want 1")
    if c.points == 0:
        c.problems.append("the scatter plots have no points")
    captions = [f.split()[0] for f in c.figcaptions if f.split()]
    for p in predictors:
        if captions.count(p) != 2:
            c.problems.append(f"predictor {p} has {captions.count(p)} figures, expected 2")
    if not 1 <= c.rows.get("worst", 0) <= 20:
        c.problems.append(f"worst-error table has {c.rows.get('worst', 0)} rows")
    if c.texts != c.rows.get("worst", 0):
        c.problems.append(f"{c.texts} texts for {c.rows.get('worst', 0)} worst errors")
    if c.rows.get("languages", 0) < len(predictors):
        c.problems.append("per-language table too short")
    for p in c.problems:
        print(f"report_check: {sys.argv[1]}: {p}")
    if c.problems:
        sys.exit(1)
    print(f"report_check: OK ({len(c.sections)} sections, {c.heatmaps} heat maps, {c.points} points, "
          f"{c.rows.get('worst', 0)} worst errors)")


if __name__ == "__main__":
    main()
