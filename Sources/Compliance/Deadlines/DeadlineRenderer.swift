import Metering

/// Renders deadlines as text: pure functions from values to `String` (no I/O, no clock).
///
/// - ``text(_:today:language:)``: a table for a terminal (this file);
/// - ``json(_:today:)``: one JSON document (`DeadlineRenderer+JSON.swift`);
/// - ``iCalendar(_:stampEpochMs:options:)``: an RFC 5545 calendar (`DeadlineRenderer+ICalendar.swift`).
public enum DeadlineRenderer {
    /// A fixed-width table, one deadline per line, with the columns
    /// `Due` (date and weekday), `Document`, `Period`, `Days` (calendar days left),
    /// `Work days` (working days left) and `Status`; numbers right-aligned, negative when overdue.
    ///
    /// A `*` after the due date marks a rollover and `!` a regime that ended before the due date;
    /// both are explained in notes under the table. Names are in `language`. Widths count
    /// characters (Cyrillic letters are one column wide in a monospace font).
    public static func text(_ deadlines: [Deadline], today: LocalDate, language: Language = .en) -> String {
        let header = ["Due", "Document", "Period", "Days", "Work days", "Status"]
        var rows: [[String]] = []
        var notes: [String] = []
        for d in deadlines {
            var due = "\(d.dueDate) \(d.weekday)"
            if d.isRolledOver {
                due += "*"
                notes.append(
                    "* \(d.dueDate): \(d.rule.name[language]) \(d.period.label) moved from \(d.unadjustedDate) "
                        + "(\(d.unadjustedDate.weekday), a day off) — \(d.rule.rolloverBasis)")
            }
            if d.regimeEndedBeforeDue {
                due += "!"
                notes.append(
                    "! \(d.dueDate): \(d.rule.name[language]) \(d.period.label): \(d.rule.regime.name) ended on "
                        + "\(d.rule.regime.until.map(\.description) ?? "?"), before the due date — check the transitional provisions"
                )
            }
            rows.append([
                due, d.rule.name[language], d.period.label, String(d.calendarDaysLeft), String(d.workingDaysLeft),
                d.status.rawValue.replacingUnderscores(),
            ])
        }
        let numeric: Set<Int> = [3, 4]
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, s in
                let fill = String(repeating: " ", count: widths[c] - s.count)
                return numeric.contains(c) ? fill + s : (c == cells.count - 1 ? s : s + fill)
            }.joined(separator: "  ")
        }
        var out = "Deadlines as of \(today) \(today.weekday)\n"
        out += line(header) + "\n"
        out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        if rows.isEmpty { out += "(none)\n" }
        for r in rows { out += line(r) + "\n" }
        if !notes.isEmpty { out += "\n" + notes.joined(separator: "\n") + "\n" }
        return out
    }
}

extension String {
    /// `due_today` → `due today`.
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}
