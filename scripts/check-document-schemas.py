#!/usr/bin/env python3
"""Validate esep documents (JSON) against schemas/documents/<kind>.schema.json.

Usage: python3 scripts/check-document-schemas.py [EXTRA.json ...]

Validates every Tests/ComplianceTests/Golden/*.json, and any JSON files given as arguments (e.g. the
output of `esep report KIND --format json`), against the JSON Schema (draft 2020-12) of its kind,
picked from `document.kind`. The golden files mask the audit-chain head as the string "AUDIT_HEAD":
it is replaced by 64 hex zeros before validating (the schemas accept only a real-looking hash).
Numbers are read as exact decimals, so an integer member (Wh, counts) written with decimals
(`37094400.000`) is a violation; duplicate member names are refused while reading.

`common.schema.json` is resolved from the schema directory through a `referencing` registry (no
network). The script first checks itself: every schema must be a valid draft 2020-12 schema; a set
of golden documents mutated in memory (unknown member, required member dropped, wrong type or enum,
optional member where it cannot be) must each be rejected at the expected place, and variants with
the optional members the goldens lack (hosting provider with clients, cm1 correction, 2020 quarterly
notice, ...) must be accepted — so the check cannot silently pass.

Exits 0 when everything validates; 1 listing every violation as `FILE: JSON_PATH: message`; 2 when
the check itself cannot run. Needs the `jsonschema` package (pip install jsonschema).
"""
import copy
import json
import sys
from decimal import Decimal
from pathlib import Path

try:
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError:
    sys.exit("check-document-schemas: needs the jsonschema package: pip install jsonschema")

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schemas" / "documents"
GOLDEN_DIR = ROOT / "Tests" / "ComplianceTests" / "Golden"
MASK = '"AUDIT_HEAD"'
FAKE_HEAD = "0" * 64
Validator = jsonschema.Draft202012Validator


def unique_members(pairs):
    o = {}
    for key, value in pairs:
        if key in o:
            raise ValueError(f"duplicate member {key!r}")
        o[key] = value
    return o


def read_document(path):
    """The document at `path`, the audit head mask replaced, numbers as exact Decimal/int."""
    text = path.read_text(encoding="utf-8").replace(MASK, json.dumps(FAKE_HEAD))
    return json.loads(text, parse_float=Decimal, object_pairs_hook=unique_members)


def load_validators():
    """kind → validator, every schema checked against the draft 2020-12 metaschema."""
    schemas = {}
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        Validator.check_schema(schema)
        expected_id = f"https://esep.example/schemas/documents/{path.name}"
        if schema.get("$id") != expected_id:
            raise SystemExit(f"check-document-schemas: {path}: $id must be {expected_id}")
        schemas[path.name] = schema
    if "common.schema.json" not in schemas:
        raise SystemExit(f"check-document-schemas: no common.schema.json in {SCHEMA_DIR}")
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT202012)) for s in schemas.values()
    )
    kinds = schemas["common.schema.json"]["$defs"]["documentKind"]["enum"]
    validators = {}
    for kind in kinds:
        schema = schemas.get(f"{kind}.schema.json")
        if schema is None:
            raise SystemExit(f"check-document-schemas: no schema for kind {kind} ({SCHEMA_DIR}/{kind}.schema.json)")
        validators[kind] = Validator(schema, registry=registry, format_checker=Validator.FORMAT_CHECKER)
    extra = set(schemas) - {"common.schema.json"} - {f"{k}.schema.json" for k in kinds}
    if extra:
        raise SystemExit(f"check-document-schemas: schemas of no document kind: {', '.join(sorted(extra))}")
    return validators


def short(message, limit=300):
    return message if len(message) <= limit else message[: limit - 1] + "…"


def violations(validators, document):
    """[(json_path, message)] of `document` against its kind's schema."""
    if not isinstance(document, dict) or not isinstance(document.get("document"), dict):
        return [("$", "not an esep document: no `document` object")]
    kind = document["document"].get("kind")
    validator = validators.get(kind)
    if validator is None:
        return [("$.document.kind", f"{kind!r} is not a document kind with a schema ({', '.join(validators)})")]
    return sorted(located(validator, document, e) for e in validator.iter_errors(document))


def member(document, path):
    for step in path:
        document = document[step]
    return document


def located(validator, document, error):
    """(json_path, message) of `error`. A member a `false` subschema forbids (`"days": false`: only
    with another member's value) comes from jsonschema without its name, at its parent's path, as
    "False schema does not allow 2": it is named here — the parent's member holding that very value,
    or, when several do, the one whose removal makes the error go."""
    path, message = error.json_path, error.message
    if error.schema is False and error.validator is None:
        try:
            parent = member(document, error.absolute_path)
        except (KeyError, IndexError, TypeError):
            parent = None
        names = [k for k, v in parent.items() if v is error.instance] if isinstance(parent, dict) else []
        if len(names) > 1:
            key = (list(error.absolute_path), list(error.absolute_schema_path))

            def goes_without(name):
                trial = copy.deepcopy(document)
                del member(trial, error.absolute_path)[name]
                return not any(
                    e.schema is False and (list(e.absolute_path), list(e.absolute_schema_path)) == key for e in validator.iter_errors(trial)
                )

            names = [n for n in names if goes_without(n)]
        schema_path = [str(s) for s in error.absolute_schema_path]
        while schema_path and schema_path[-1] == "properties":
            schema_path.pop()
        where = "/".join(schema_path[-4:])
        if len(names) == 1:
            return f"{path}.{names[0]}", f"member {names[0]!r} is not allowed here (schema …/{where})"
        return path, short(f"a member is not allowed here (schema …/{where}): {message}")
    return path, short(message)


# MARK: self-check


def at(d, *path):
    for key in path:
        d = d[key]
    return d


def drop(*path):
    return lambda d: at(d, *path[:-1]).pop(path[-1])


def put(value, *path):
    return lambda d: at(d, *path[:-1]).__setitem__(path[-1], copy.deepcopy(value))


BODY = {
    "quarterly-notice": "consumption",
    "fee": "fee",
    "plans": "plans",
    "termination": "termination",
    "pool-change": "pool_change",
    "cm1": "cm1",
    "checklist": "checklist",
}
LINE0 = ("fee", "objects", 0, "lines", 0)  # the golden fee's normal (grid, metered) line
LINE1 = ("fee", "objects", 0, "lines", 1)  # its penalty (p_max_times_24h) line

# (what, kind, mutation, a JSON path one violation must start with). Each must be rejected.
SPECIFIC_MUTATIONS = [
    ("unknown member in a fee line", "fee", put(1, *LINE0, "note"), "$.fee.objects[0].lines[0]"),
    ("unknown member in document.template", "plans", put("x", "document", "template", "name"), "$.document.template"),
    ("unknown member in operator.bank", "cm1", put("x", "operator", "bank", "swift"), "$.operator.bank"),
    ("unknown member in integrity", "pool-change", put(1, "integrity", "records"), "$.integrity"),
    ("required consumption.kwh dropped", "quarterly-notice", drop("consumption", "kwh"), "$.consumption"),
    ("required document.site dropped", "checklist", drop("document", "site"), "$.document"),
    ("required data_quality.counts.partial dropped", "fee", drop("data_quality", "counts", "partial"), "$.data_quality.counts"),
    ("audit head left masked", "termination", put("AUDIT_HEAD", "integrity", "audit_head"), "$.integrity.audit_head"),
    ("upper-case hex hash", "plans", put("A" * 64, "integrity", "content_sha256"), "$.integrity.content_sha256"),
    ("Wh written with decimals", "fee", put(Decimal("37094400.000"), "consumption", "wh"), "$.consumption.wh"),
    ("kWh as a string", "termination", put("37094.400", "termination", "final_kwh"), "$.termination.final_kwh"),
    ("share above 1", "termination", put(Decimal("1.0001"), "termination", "completeness"), "$.termination.completeness"),
    ("null instead of an absent member", "pool-change", put(None, "operator", "legal_address"), "$.operator.legal_address"),
    ("impossible date", "plans", put("2026-02-30", "plans", "start_date"), "$.plans.start_date"),
    ("status outside its enum", "checklist", put("ok", "checklist", "items", 0, "status"), "$.checklist.items[0].status"),
    ("quality outside its enum", "fee", put("good", "consumption", "meters", 0, "quality"), "$.consumption.meters[0].quality"),
    ("document.kind of another kind (its schema refuses the rest)", "plans", put("termination", "document", "kind"), "$.document.template.id"),
    ("template of another kind", "fee", put("plans-2022", "document", "template", "id"), "$.document.template.id"),
    ("period kind of another kind", "cm1", put("quarter", "document", "period", "kind"), "$.document.period.kind"),
    ("penalty line with a category", "fee", put("grid", *LINE1, "category"), "$.fee.objects[0].lines[1]"),
    ("normal line without its category", "fee", drop(*LINE0, "category"), "$.fee.objects[0].lines[0]"),
    ("p_max_times_24h line without days", "fee", drop(*LINE1, "days"), "$.fee.objects[0].lines[1]"),
    ("metered line with p_max_mw", "fee", put(Decimal("0.500"), *LINE0, "p_max_mw"), "$.fee.objects[0].lines[0]"),
    ("client on a miner's object", "fee", put({"name": "C", "bin": "190740004565"}, "fee", "objects", 0, "client"), "$.fee.objects[0]"),
    ("payer kind other than the operator's", "fee", put("hosting_provider", "fee", "payer", "kind"), "$.fee.payer.kind"),
    ("clients on a miner", "checklist", put([], "operator", "clients"), "$.operator"),
    ("mw_average outside the 2020 template", "quarterly-notice", put(Decimal("16.800"), "consumption", "mw_average"), "$.consumption"),
    ("mw_average in a fee report", "fee", put(Decimal("16.800"), "consumption", "mw_average"), "$.consumption"),
    ("correction outside cm1", "fee", put({"replaces_sha256": "0" * 64, "reason": "x"}, "document", "correction"), "$.document"),
    ("due date on the checklist", "checklist", put({"date": "2026-10-27", "weekday": "tuesday", "rule": "x"}, "document", "due"), "$.document"),
    ("profile slot with kw but no days", "quarterly-notice", put(0, "consumption", "profile", 0, "days"), "$.consumption.profile[0]"),
    ("profile slot with days but no kw", "fee", drop("consumption", "profile", 5, "kw"), "$.consumption.profile[5]"),
    ("profile of 95 slots", "fee", lambda d: d["consumption"]["profile"].pop(), "$.consumption.profile"),
    ("meter with kwh but no wh", "fee", drop("consumption", "meters", 0, "wh"), "$.consumption.meters[0]"),
    ("cm1 quantity as a number", "cm1", put(Decimal("0.12345678"), "cm1", "rows", 0, "quantity"), "$.cm1.rows[0].quantity"),
    ("checklist item without evidence", "checklist", put([], "checklist", "items", 0, "evidence"), "$.checklist.items[0].evidence"),
    ("duplicate-free but unknown item id", "checklist", put("002-req-9", "checklist", "items", 0, "id"), "$.checklist.items[0].id"),
]


def generic_mutations(kind):
    """Every kind: an unknown member at the top and in the header, a required member dropped."""
    return [
        ("unknown top-level member", kind, put(True, "extra"), "$"),
        ("unknown member in document.period", kind, put("x", "document", "period", "key"), "$.document.period"),
        (f"required {BODY[kind]} dropped", kind, drop(BODY[kind]), "$"),
        ("required integrity.content_sha256 dropped", kind, drop("integrity", "content_sha256"), "$.integrity"),
    ]


HOSTED = [
    {"name": "Client A LLP", "bin": "190740004565", "meters": ["M1"], "feeders": []},
    {"name": "Client B LLP", "bin": "220540007654", "meters": [], "feeders": ["F2"]},
]


def hosting_provider(d):
    """The fee report of a hosting provider with two clients: one object per client."""
    d["operator"]["kind"] = "hosting_provider"
    d["operator"]["clients"] = copy.deepcopy(HOSTED)
    d["fee"]["payer"]["kind"] = "hosting_provider"
    first = d["fee"]["objects"][0]
    first["client"] = {"name": HOSTED[0]["name"], "bin": HOSTED[0]["bin"]}
    second = copy.deepcopy(first)
    second["client"] = {"name": HOSTED[1]["name"], "bin": HOSTED[1]["bin"]}
    second["meters"] = ["M2"]
    second["notes"] = ["the hosted client's meters: M2 (feeder F2)"]
    d["fee"]["objects"].append(second)


def quarterly_2020(d):
    t = d["document"]["template"]
    t.update(id="quarterly-notice-2020", version="2020", valid_from="2020-01-01", valid_until="2022-07-01", forced=True)
    d["document"]["due"] = {"date": "2026-10-12", "weekday": "monday", "rule": "day 10 of month 1 after the period"}
    d["consumption"]["mw_average"] = Decimal("0.017")


def sparse_energy(d):
    """Meter without a value, slot without days, every optional data-quality entry."""
    m = d["consumption"]["meters"][2]
    del m["kwh"], m["wh"]
    m.update(quality="missing", completeness=Decimal("0.0000"))
    slot = d["consumption"]["profile"][0]
    del slot["kw"]
    slot["days"] = 0
    q = d["data_quality"]
    del q["faulty_days"][0]["meter"]
    q["replacements"] = [
        {"meter": "M2", "at": "2026-08-17T10:15:00+05:00", "old_final_kwh": Decimal("123456.789"), "new_initial_kwh": Decimal("0.000")},
        {"meter": "M2", "at": "2026-08-17T10:15:00.250+05:00", "old_final_kwh": Decimal("1.000"), "new_initial_kwh": Decimal("0.000"), "note": "seal 42"},
    ]
    q["manual_readings"] = [{"meter": "M2", "at": "2026-08-12T09:00:00+05:00", "kwh": Decimal("120000.500"), "note": "photo 3"}]
    q["saon_events"] = [
        {"at": "2026-07-01T00:00:00+05:00", "device": "S1", "signal": "trip", "new": 0},
        {"at": "2026-07-02T03:00:00+05:00", "device": "S1", "signal": "trip", "old": 0, "new": 1},
    ]
    q["saon_events_total"] = 2


def minimal_operator(d):
    """Every optional operator member absent; no audit head (empty chain)."""
    op = d["operator"]
    for key in ("legal_address", "licence", "required_capacity_mw", "jobs", "grid_connection"):
        del op[key]
    for key in ("contacts", "bank", "investment", "documents"):
        op[key] = {}
    op["equipment"] = [{"model": "Antminer S19", "count": 10}]
    op["ip_pool"] = []
    op["locations"] = []
    del d["integrity"]["audit_head"]


def cm1_correction(d):
    d["document"]["correction"] = {"replaces_sha256": "ab" * 32, "reason": "row 3: wrong wallet"}
    d["document"]["due"] = {"date": "2026-10-07", "weekday": "wednesday", "rule": "2 working days after the event"}


def first_pool_change(d):
    del d["pool_change"]["previous"]
    d["pool_change"]["new"]["url"] = "https://pool.example.kz"


# (what, kind, mutation). Each must be accepted.
VARIANTS = [
    ("hosting provider with clients: operator.clients, objects with client", "fee", hosting_provider),
    ("hosting provider without clients: no client on the objects", "fee",
     lambda d: (d["operator"].update(kind="hosting_provider", clients=[]), d["fee"]["payer"].update(kind="hosting_provider"))),
    ("2020 quarterly notice: mw_average, due, valid_until", "quarterly-notice", quarterly_2020),
    ("meter without a value, slot without days, optional data-quality members", "quarterly-notice", sparse_energy),
    ("operator with no optional member, integrity without audit_head", "termination", minimal_operator),
    ("cm1 correction", "cm1", cm1_correction),
    ("first pool: no previous, new with url", "pool-change", first_pool_change),
]


def self_check(validators, goldens):
    """Problems of the check itself (empty: it rejects what it must and accepts what it must)."""
    by_kind = {}
    for path, document in goldens:
        if isinstance(document, dict):
            by_kind.setdefault(document.get("document", {}).get("kind"), document)
    problems = []
    mutations = [m for kind in BODY for m in generic_mutations(kind)] + SPECIFIC_MUTATIONS
    rejected = accepted = 0
    for what, kind, mutate, expected in mutations:
        if kind not in by_kind:
            problems.append(f"self-check: no {kind} golden to mutate ({what})")
            continue
        d = copy.deepcopy(by_kind[kind])
        mutate(d)
        found = violations(validators, d)
        if not found:
            problems.append(f"self-check: {kind} with {what}: accepted, must be rejected")
        elif not any(path == expected or path.startswith(expected + ".") or path.startswith(expected + "[") or expected == "$" for path, _ in found):
            problems.append(f"self-check: {kind} with {what}: rejected, but not at {expected}: {found}")
        else:
            rejected += 1
    for what, kind, mutate in VARIANTS:
        if kind not in by_kind:
            problems.append(f"self-check: no {kind} golden to vary ({what})")
            continue
        d = copy.deepcopy(by_kind[kind])
        mutate(d)
        found = violations(validators, d)
        for path, message in found:
            problems.append(f"self-check: {kind} with {what}: rejected, must be accepted: {path}: {message}")
        accepted += not found
    # Each kind's schema on another kind's golden: refused, by document.kind among others.
    kinds = list(BODY)
    for i, kind in enumerate(kinds):
        other = kinds[(i + 1) % len(kinds)]
        if other not in by_kind:
            continue
        found = [e.json_path for e in validators[kind].iter_errors(by_kind[other])]
        if "$.document.kind" not in found:
            problems.append(f"self-check: the {kind} schema does not refuse a {other} document at $.document.kind: {found}")
        else:
            rejected += 1
    return problems, rejected, accepted


def main(argv):
    try:
        validators = load_validators()
    except jsonschema.SchemaError as e:
        print(f"check-document-schemas: a schema is not valid draft 2020-12: {e.message} at {e.json_path}", file=sys.stderr)
        return 2
    golden_paths = sorted(GOLDEN_DIR.glob("*.json"))
    if not golden_paths:
        print(f"check-document-schemas: no golden JSON in {GOLDEN_DIR}", file=sys.stderr)
        return 2
    paths = golden_paths + [Path(a) for a in argv]
    failures = []
    goldens = []
    for path in paths:
        name = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
        try:
            document = read_document(path)
        except (OSError, ValueError) as e:
            failures.append(f"{name}: $: cannot read: {e}")
            continue
        if path in golden_paths:
            goldens.append((path, document))
        found = violations(validators, document)
        kind = document.get("document", {}).get("kind") if isinstance(document, dict) and isinstance(document.get("document"), dict) else "?"
        if found:
            failures += [f"{name}: {json_path}: {message}" for json_path, message in found]
        else:
            print(f"ok  {name} ({kind})")
    problems, rejected, accepted = self_check(validators, goldens)
    failures += problems
    print(f"self-check: {rejected} mutated documents rejected, {accepted} variants with optional members accepted")
    if failures:
        print(f"\n{len(failures)} violation{'s' if len(failures) != 1 else ''}:", file=sys.stderr)
        for line in failures:
            print(line, file=sys.stderr)
        return 1
    print(f"all {len(paths)} documents valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
