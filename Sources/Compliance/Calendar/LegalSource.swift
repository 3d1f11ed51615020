/// Where a rule or a date comes from.
///
/// Following DOMAIN.md: official texts are cited by seed file and clause
/// (`000_434c57f1568eb04d.txt, rule 4`); figures from press or law-firm summaries are
/// *secondary* and must stay in dated, editable data with the source named.
public struct LegalSource: Sendable, Hashable, CustomStringConvertible {
    /// The citation, e.g. `Tax Code 2026, arts. 660–661`.
    public let citation: String
    /// `true` when the fact comes from a summary, not from the official text.
    public let isSecondary: Bool
    /// A remark on the source (an estimate, a doubt, what to check), or `nil`.
    public let note: String?

    public init(_ citation: String, secondary: Bool = false, note: String? = nil) {
        self.citation = citation
        self.isSecondary = secondary
        self.note = note
    }

    /// `citation`, then ` (secondary)` when secondary, then `; note`.
    public var description: String {
        var s = citation
        if isSecondary { s += " (secondary)" }
        if let note { s += "; " + note }
        return s
    }
}
