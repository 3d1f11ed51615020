import Metering

extension DeadlineRenderer {
    /// One JSON document: `{"today": "YYYY-MM-DD", "deadlines": [ … ]}`, keys in a fixed order,
    /// dates as `YYYY-MM-DD` strings, counts as JSON numbers, `generated` as `true`/`false`/`null`.
    ///
    /// Each deadline: `key`, `rule_id`, `document_id`, `template_version`, `name` (`en`, `ru`, `kk`),
    /// `period` (`kind`, `label`, `start`, `end` exclusive, and `event` for event periods),
    /// `unadjusted_date`, `due_date`, `weekday`, `rolls_over`, `rolled_over`, `days_left`,
    /// `working_days_left`, `status`, `generated`, `report` (the API path of the document, or null), `regime` (`name`, `from`, `until` or null),
    /// `regime_ended_before_due`, `applies_to`, `sources` (`citation`, `secondary`, `note` or null).
    /// Strings are escaped per RFC 8259 §7.
    public static func json(_ deadlines: [Deadline], today: LocalDate) -> String {
        JSONValue.object([("today", .string(today.description)), ("deadlines", .array(deadlines.map(object)))]).rendered()
    }

    static func object(_ d: Deadline) -> JSONValue {
        var period: [(String, JSONValue)] = [
            ("kind", .string(periodKindName(d.period.kind))), ("label", .string(d.period.label)),
            ("start", .string(d.period.start.description)), ("end", .string(d.period.end.description)),
        ]
        if case .event(let e) = d.period.kind { period.append(("event", .string(e.rawValue))) }
        let regime = d.rule.regime
        return .object([
            ("key", .string(d.key)),
            ("rule_id", .string(d.rule.id)),
            ("document_id", .string(d.rule.documentID)),
            ("template_version", .string(d.rule.templateVersion)),
            ("name", .object([("en", .string(d.rule.name.en)), ("ru", .string(d.rule.name.ru)), ("kk", .string(d.rule.name.kk))])),
            ("period", .object(period)),
            ("unadjusted_date", .string(d.unadjustedDate.description)),
            ("due_date", .string(d.dueDate.description)),
            ("weekday", .string(d.weekday.shortName)),
            ("rolls_over", .bool(d.rule.rollsOver)),
            ("rolled_over", .bool(d.isRolledOver)),
            ("days_left", .int(d.calendarDaysLeft)),
            ("working_days_left", .int(d.workingDaysLeft)),
            ("status", .string(d.status.rawValue)),
            ("generated", d.generated.map { .bool($0) } ?? .null),
            ("report", d.reportPath.map { .string($0) } ?? .null),
            (
                "regime",
                .object([
                    ("name", .string(regime.name)), ("from", .string(regime.from.description)),
                    ("until", regime.until.map { .string($0.description) } ?? .null),
                ])
            ),
            ("regime_ended_before_due", .bool(d.regimeEndedBeforeDue)),
            ("applies_to", .array(SiteRole.allCases.filter(d.rule.appliesTo.contains).map { .string($0.rawValue) })),
            (
                "sources",
                .array(
                    d.rule.sources.map {
                        .object([
                            ("citation", .string($0.citation)), ("secondary", .bool($0.isSecondary)),
                            ("note", $0.note.map { .string($0) } ?? .null),
                        ])
                    })
            ),
        ])
    }

    static func periodKindName(_ k: PeriodKind) -> String {
        switch k {
        case .quarter: "quarter"
        case .month: "month"
        case .event: "event"
        }
    }
}
