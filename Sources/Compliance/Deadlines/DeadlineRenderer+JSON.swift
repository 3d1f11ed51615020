import Metering

extension DeadlineRenderer {
    /// One JSON document: `{"today": "YYYY-MM-DD", "deadlines": [ … ]}`, keys in a fixed order,
    /// dates as `YYYY-MM-DD` strings, counts as JSON numbers, `generated` as `true`/`false`/`null`.
    ///
    /// Each deadline: `key`, `rule_id`, `document_id`, `template_version`, `name` (`en`, `ru`, `kk`),
    /// `period` (`kind`, `label`, `start`, `end` exclusive, and `event` for event periods),
    /// `unadjusted_date`, `due_date`, `weekday`, `rolls_over`, `rolled_over`, `days_left`,
    /// `working_days_left`, `status`, `generated`, `regime` (`name`, `from`, `until` or null),
    /// `regime_ended_before_due`, `applies_to`, `sources` (`citation`, `secondary`, `note` or null).
    /// Strings are escaped per RFC 8259 §7.
    public static func json(_ deadlines: [Deadline], today: LocalDate) -> String {
        var out = "{\n  \"today\": \(JSONText.string(today.description)),\n  \"deadlines\": ["
        out += deadlines.map { "\n    " + object($0) }.joined(separator: ",")
        out += deadlines.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return out
    }

    static func object(_ d: Deadline) -> String {
        let s = JSONText.string
        var period: [(String, String)] = [
            ("kind", s(periodKindName(d.period.kind))), ("label", s(d.period.label)),
            ("start", s(d.period.start.description)), ("end", s(d.period.end.description)),
        ]
        if case .event(let e) = d.period.kind { period.append(("event", s(e.rawValue))) }
        let fields: [(String, String)] = [
            ("key", s(d.key)),
            ("rule_id", s(d.rule.id)),
            ("document_id", s(d.rule.documentID)),
            ("template_version", s(d.rule.templateVersion)),
            (
                "name",
                JSONText.object([("en", s(d.rule.name.en)), ("ru", s(d.rule.name.ru)), ("kk", s(d.rule.name.kk))])
            ),
            ("period", JSONText.object(period)),
            ("unadjusted_date", s(d.unadjustedDate.description)),
            ("due_date", s(d.dueDate.description)),
            ("weekday", s(d.weekday.shortName)),
            ("rolls_over", String(d.rule.rollsOver)),
            ("rolled_over", String(d.isRolledOver)),
            ("days_left", String(d.calendarDaysLeft)),
            ("working_days_left", String(d.workingDaysLeft)),
            ("status", s(d.status.rawValue)),
            ("generated", d.generated.map { String($0) } ?? "null"),
            (
                "regime",
                JSONText.object([
                    ("name", s(d.rule.regime.name)), ("from", s(d.rule.regime.from.description)),
                    ("until", d.rule.regime.until.map { s($0.description) } ?? "null"),
                ])
            ),
            ("regime_ended_before_due", String(d.regimeEndedBeforeDue)),
            (
                "applies_to",
                "[" + SiteRole.allCases.filter(d.rule.appliesTo.contains).map { s($0.rawValue) }.joined(separator: ", ")
                    + "]"
            ),
            (
                "sources",
                "["
                    + d.rule.sources.map {
                        JSONText.object([
                            ("citation", s($0.citation)), ("secondary", String($0.isSecondary)),
                            ("note", $0.note.map(s) ?? "null"),
                        ])
                    }.joined(separator: ", ") + "]"
            ),
        ]
        return JSONText.object(fields)
    }

    static func periodKindName(_ k: PeriodKind) -> String {
        switch k {
        case .quarter: "quarter"
        case .month: "month"
        case .event: "event"
        }
    }
}

/// Minimal JSON writing (RFC 8259), so renderers need no Foundation.
enum JSONText {
    /// `s` as a JSON string literal: `"` `\` and control characters escaped, the rest as is (UTF-8).
    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// `{"k": v, …}` from already-encoded values, in the given order.
    static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(string($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }
}
