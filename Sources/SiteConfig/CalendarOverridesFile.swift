import Foundation
import TOMLKit

/// One `[[day]]` of a calendar overrides file, as written: its values are checked by the
/// calendar (Compliance), which reports problems at ``line(_:)``.
public struct CalendarDayEntry: Sendable, Hashable {
    /// Position in the file's `[[day]]` array (0-based, as `day[0]` in messages).
    public var index: Int
    public var date: String
    public var kind: String
    public var note: String
    /// The line of each key (`date`, `kind`, `note`), or of the entry when a key is absent.
    public var lines: [String: Int]

    public func line(_ key: String) -> Int { lines[key] ?? lines[""] ?? 0 }
}

extension SiteConfigLoader {
    /// Reads a calendar overrides file: `[[day]]` tables with `date`, `kind` and `note`, all required.
    ///
    /// - Returns: the entries with all three keys as strings (their values unchecked), and every
    ///   problem of the file's shape (unknown or missing keys, a value that is not a string), each
    ///   at its line, so a caller can report them together with the values' problems.
    /// - Throws: ``ConfigError`` when the file cannot be read, is not UTF-8 or not TOML.
    public static func loadCalendarOverrides(path: String) throws(ConfigError)
        -> (entries: [CalendarDayEntry], problems: [ConfigDiagnostic])
    {
        let text = try readText(path: path)
        let document = try parseTOML(text: text, path: path)
        let locator = TOMLKeyLocator(text: text)
        let decoder = ConfigDecoder(file: path, locator: locator)
        guard let root = decoder.table(document, at: .root, keys: ["day"]) else { return ([], decoder.sortedDiagnostics) }
        var entries: [CalendarDayEntry] = []
        for (index, t) in root.tables("day", keys: ["date", "kind", "note"]) {
            // An empty note is the calendar's to judge (with the other values), not a missing key.
            let values = ["date", "kind", "note"].map { key in
                let v = t.string(key)
                if v == nil, !t.has(key) { decoder.error(t.path.appending(key), "missing required key") }
                return v
            }
            guard let date = values[0], let kind = values[1], let note = values[2] else { continue }
            var lines = ["": locator.nearestLine(for: t.path)]
            for key in ["date", "kind", "note"] { lines[key] = locator.nearestLine(for: t.path.appending(key)) }
            entries.append(CalendarDayEntry(index: index, date: date, kind: kind, note: note, lines: lines))
        }
        return (entries, decoder.sortedDiagnostics)
    }
}
