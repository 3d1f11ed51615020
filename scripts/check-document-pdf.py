#!/usr/bin/env python3
"""Checks that a printed esep document (PDF) holds the key figures of its JSON twin.

    check-document-pdf.py golden GOLDEN_DIR PDF_DIR
        For every GOLDEN_DIR/<kind>-<periodkey>.json and every language kk, ru, en: the PDF
        PDF_DIR/<kind>-<periodkey>.<lang>.pdf must hold the operator's BIN, the period (label
        or first date) and the figures of that kind (see expectations()).
    check-document-pdf.py demo JSON PDF LANG --bin BIN [--period LABEL]
        One document of the demo: the BIN (also compared with the JSON's), the period label and
        consumption.kwh.

Decimals are looked for as the documents print them: kk and ru group thousands with a no-break
space and use a decimal comma (37 094,400), en uses a comma and a point (37,094.400); kWh with
3 decimals, tenge with 2. The PDF text (pdftotext -layout) is normalised before searching: NFKC,
every run of (Unicode) white space, line breaks included, becomes one ASCII space. A long cell
that wraps onto a second line (a wallet address, say) is split by -layout with the next
column's text in between, so each figure is also looked for in `pdftotext -raw` output, and
then with all white space removed from both sides. Prints one line per missing figure and
exits 1 when any is missing, 2 on a usage or input error.
"""
import argparse
import json
import re
import subprocess
import sys
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

LANGS = ("kk", "ru", "en")
INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))


def normalise(text):
    text = unicodedata.normalize("NFKC", text).translate(INVISIBLE)
    return " ".join(text.split())


def compact(text):
    return "".join(normalise(text).split())


def number(value, decimals, lang):
    """A decimal as the documents print it, with ASCII spaces for the (no-break) group separator."""
    d = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    s = "{:,.{}f}".format(d, decimals)
    if lang in ("kk", "ru"):
        s = s.replace(",", " ").replace(".", ",")
    return s


def kwh(value, lang):
    return number(value, 3, lang)


def kzt(value, lang):
    return number(value, 2, lang)


def crypto(quantity, lang):
    """A crypto quantity (a string in the JSON): as given, or localised with the same decimals."""
    q = str(quantity)
    places = len(q.split(".", 1)[1]) if "." in q else 0
    return [q, number(q, places, lang)]


def pdf_text(pdf, mode):
    try:
        out = subprocess.run(["pdftotext", mode, "-enc", "UTF-8", str(pdf), "-"],
                             capture_output=True, timeout=120, check=True)
    except FileNotFoundError:
        sys.exit("check-document-pdf: pdftotext not found (Debian: apt-get install -y poppler-utils)")
    except subprocess.CalledProcessError as e:
        raise RuntimeError("pdftotext %s failed: %s" % (pdf, e.stderr.decode(errors="replace").strip()))
    return out.stdout.decode("utf-8", errors="replace")


class Haystack:
    def __init__(self, pdf):
        layout = pdf_text(pdf, "-layout")
        raw = pdf_text(pdf, "-raw")
        self.texts = [normalise(layout), normalise(raw)]
        self.compacts = [compact(layout), compact(raw)]
        self.empty = not self.texts[0]

    def holds(self, needle):
        n = normalise(needle)
        if any(n in t for t in self.texts):
            return True
        c = compact(needle)
        return bool(c) and any(c in t for t in self.compacts)


def get(doc, path):
    node = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(path)
        node = node[part]
    return node


def expectations(doc, lang):
    """(what, [accepted spellings]) for one document in one language."""
    kind = get(doc, "document.kind")
    period = get(doc, "document.period")
    exp = [("operator.bin", [str(get(doc, "operator.bin"))]),
           ("document.period.label or .from", [period["label"], period["from"]])]
    if kind == "quarterly-notice":
        exp.append(("consumption.kwh", [kwh(get(doc, "consumption.kwh"), lang)]))
    elif kind == "fee":
        exp.append(("fee.total_kwh", [kwh(get(doc, "fee.total_kwh"), lang)]))
        exp.append(("fee.total_kzt", [kzt(get(doc, "fee.total_kzt"), lang)]))
        for i, obj in enumerate(get(doc, "fee.objects")):
            exp.append(("fee.objects[%d].total_kzt (%s)" % (i, obj.get("object", "?")),
                        [kzt(obj["total_kzt"], lang)]))
            exp.append(("fee.objects[%d].metered_kwh (%s)" % (i, obj.get("object", "?")),
                        [kwh(obj["metered_kwh"], lang)]))
    elif kind == "termination":
        exp.append(("termination.final_kwh", [kwh(get(doc, "termination.final_kwh"), lang)]))
    elif kind == "cm1":
        for row in get(doc, "cm1.rows"):
            no = row.get("no", "?")
            exp.append(("cm1.rows[no %s].quantity" % no, crypto(row["quantity"], lang)))
            exp.append(("cm1.rows[no %s].wallet" % no, [row["wallet"]]))
    elif kind == "checklist":
        items = get(doc, "checklist.items")
        if not items:
            raise KeyError("checklist.items is empty")
        for item in items:
            for j, evidence in enumerate(item.get("evidence", [])):
                # Evidence is said in the document's language; its arguments (meter ids, dates,
                # pool names, figures in the language's format) are on the page in every one.
                for k, arg in enumerate(evidence.get("args", [])):
                    if re.fullmatch(r"-?[0-9]+\.[0-9]+", arg):
                        arg = number(arg, len(arg.split(".")[1]), lang)
                    exp.append(("checklist %s evidence[%d] arg %d" % (item.get("id", "?"), j, k), [arg[:40]]))
    elif kind == "pool-change":
        exp.append(("pool_change.new.name", [get(doc, "pool_change.new.name")]))
    return exp


def check(doc, pdf, lang, exp):
    """The missing figures, as printable lines; and how many were looked for."""
    if not Path(pdf).is_file():
        return ["%s: no PDF" % pdf], len(exp)
    hay = Haystack(pdf)
    if hay.empty:
        return ["%s: pdftotext found no text at all" % Path(pdf).name], len(exp)
    missing = []
    for what, spellings in exp:
        if not any(hay.holds(s) for s in spellings):
            missing.append("%s: missing %s: %s" % (
                Path(pdf).name, what, " or ".join(repr(normalise(s)) for s in spellings)))
    return missing, len(exp)


def load(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"), parse_float=Decimal)
    except (OSError, ValueError) as e:
        sys.exit("check-document-pdf: cannot read %s: %s" % (path, e))


def golden(args):
    jsons = sorted(Path(args.golden_dir).glob("*.json"))
    if not jsons:
        print("check-document-pdf: no golden JSON in %s" % args.golden_dir, file=sys.stderr)
        return 2
    problems, looked, pdfs = [], 0, 0
    stems = {j.stem for j in jsons}
    for h in sorted(Path(args.golden_dir).glob("*.html")):
        stem = h.name.rsplit(".", 2)[0]
        if stem not in stems:
            problems.append("%s: no golden JSON %s.json to take its figures from" % (h.name, stem))
    for j in jsons:
        doc = load(j)
        for lang in LANGS:
            if not (j.parent / ("%s.%s.html" % (j.stem, lang))).is_file():
                continue
            pdfs += 1
            try:
                exp = expectations(doc, lang)
            except KeyError as e:
                problems.append("%s: the golden JSON lacks %s" % (j.name, e))
                continue
            missing, n = check(doc, Path(args.pdf_dir) / ("%s.%s.pdf" % (j.stem, lang)), lang, exp)
            problems += missing
            looked += n
    for p in problems:
        print(p)
    print("check-document-pdf: %d PDFs, %d figures looked for, %d missing"
          % (pdfs, looked, len(problems)))
    return 1 if problems else 0


def demo(args):
    doc = load(args.json)
    problems = []
    if str(get(doc, "operator.bin")) != args.bin:
        problems.append("%s: operator.bin is %s, not the demo's %s" % (args.json, get(doc, "operator.bin"), args.bin))
    label = get(doc, "document.period.label")
    if args.period and label != args.period:
        problems.append("%s: document.period.label is %s, not %s" % (args.json, label, args.period))
    value = get(doc, "consumption.kwh")
    if not value > 0:
        problems.append("%s: consumption.kwh is %s: the demo stored no energy" % (args.json, value))
    exp = [("the demo operator's BIN", [args.bin]),
           ("document.period.label", [label]),
           ("consumption.kwh (%s)" % value, [kwh(value, args.lang)])]
    missing, n = check(doc, args.pdf, args.lang, exp)
    problems += missing
    for p in problems:
        print(p)
    print("check-document-pdf: demo %s: consumption %s kWh printed as %r; %d problems"
          % (label, value, kwh(value, args.lang), len(problems)))
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    g = sub.add_parser("golden")
    g.add_argument("golden_dir")
    g.add_argument("pdf_dir")
    d = sub.add_parser("demo")
    d.add_argument("json")
    d.add_argument("pdf")
    d.add_argument("lang", choices=LANGS)
    d.add_argument("--bin", required=True)
    d.add_argument("--period")
    args = ap.parse_args()
    try:
        return golden(args) if args.mode == "golden" else demo(args)
    except (KeyError, RuntimeError) as e:
        print("check-document-pdf: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
