/// The table of each document, for `--format csv`: one header row, then one row per figure.
enum DocumentTables {
    static func table(_ d: GeneratedDocument) -> [[String]] {
        let j = d.json
        switch d.kind {
        case .quarterlyNotice:
            var rows = [["scope", "period", "kwh", "wh", "completeness", "quality"]]
            let c = j["consumption"]
            let q = j["document"]?["period"]?["label"]?.text ?? ""
            rows.append(["site", q, c?["kwh"]?.text ?? "", c?["wh"]?.text ?? "", c?["completeness"]?.text ?? "", ""])
            for m in c?["months"]?.items ?? [] {
                rows.append(["site", m["label"]?.text ?? "", m["kwh"]?.text ?? "", m["wh"]?.text ?? "", m["completeness"]?.text ?? "", ""])
            }
            for m in c?["meters"]?.items ?? [] {
                rows.append([
                    m["id"]?.text ?? "", q, m["kwh"]?.text ?? "", m["wh"]?.text ?? "", m["completeness"]?.text ?? "", m["quality"]?.text ?? "",
                ])
            }
            return rows
        case .fee:
            var rows = [
                ["object", "location", "client_name", "client_bin", "line", "category", "basis", "kwh", "rate_kzt_per_kwh", "amount_kzt", "rule", "source"]
            ]
            let f = j["fee"]
            for o in f?["objects"]?.items ?? [] {
                for l in o["lines"]?.items ?? [] {
                    rows.append([
                        o["object"]?.text ?? "", o["location"]?.text ?? "", o["client"]?["name"]?.text ?? "", o["client"]?["bin"]?.text ?? "",
                        l["kind"]?.text ?? "", l["category"]?.text ?? "", l["basis"]?.text ?? "", l["kwh"]?.text ?? "",
                        l["rate_kzt_per_kwh"]?.text ?? "", l["amount_kzt"]?.text ?? "", l["rule"]?.text ?? "", l["source"]?.text ?? "",
                    ])
                }
            }
            rows.append(["total", "", "", "", "", "", "", f?["total_kwh"]?.text ?? "", "", f?["total_kzt"]?.text ?? "", "", ""])
            return rows
        case .cm1:
            var rows = [
                [
                    "no", "name", "bin", "licence_number", "licence_date", "wallet", "date", "asset", "quantity", "commission_asset",
                    "commission_quantity",
                ]
            ]
            for r in j["cm1"]?["rows"]?.items ?? [] {
                rows.append(
                    ["no", "name", "bin", "licence_number", "licence_date", "wallet", "date", "asset", "quantity", "commission_asset", "commission_quantity"]
                        .map { r[$0]?.text ?? "" })
            }
            return rows
        case .checklist:
            var rows = [["id", "source", "status", "evidence"]]
            for i in j["checklist"]?["items"]?.items ?? [] {
                rows.append([
                    i["id"]?.text ?? "", i["source"]?.text ?? "", i["status"]?.text ?? "",
                    (i["evidence"]?.items ?? []).compactMap { $0["text"]?.text }.joined(separator: "; "),
                ])
            }
            return rows
        case .plans, .termination, .poolChange:
            // The notice's fields as key/value pairs, flattened with dotted keys.
            var rows = [["field", "value"]]
            func flatten(_ v: JSONValue, _ prefix: String) {
                switch v {
                case .object(let members): for (k, x) in members { flatten(x, prefix.isEmpty ? k : "\(prefix).\(k)") }
                case .array(let items): for (i, x) in items.enumerated() { flatten(x, "\(prefix)[\(i)]") }
                case .null: break
                default: rows.append([prefix, v.text ?? ""])
                }
            }
            if case .object(let members) = j {
                for (k, v) in members where k != "integrity" { flatten(v, k) }
            }
            return rows
        }
    }
}

extension JSONValue {
    /// An object's member.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// A string's text, a number's decimal text, a boolean as `true`/`false`.
    public var text: String? {
        switch self {
        case .string(let s): s
        case .number(let n): n
        case .bool(let b): b ? "true" : "false"
        default: nil
        }
    }

    /// An array's elements (empty for anything else).
    public var items: [JSONValue] {
        if case .array(let a) = self { return a }
        return []
    }
}
