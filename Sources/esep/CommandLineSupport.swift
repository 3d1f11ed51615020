import ArgumentParser
import Foundation
import Metering

/// A point in time on the command line, read by the one time parser the API uses too
/// (``SiteCalendar/parseTime(_:nowMs:)``): a date (`2026-10-01`) is the start of that day in the
/// site's time zone, a time without an offset (`2026-10-01T08:30`) is site-local, an offset or
/// `Z` is honoured; epoch milliseconds and `now` are taken. The text is kept as given and
/// resolved once the site's calendar is known (``ms(_:option:)``), so a date means site time.
struct TimeArgument: ExpressibleByArgument, Sendable {
    let text: String

    init(argument: String) { text = argument }

    /// The instant in `calendar` (the config's `site.timezone`, else Asia/Almaty).
    /// - Throws: `ValidationError` naming the option and saying what is wrong.
    func ms(_ calendar: SiteCalendar = .almaty, option: String, nowMs: Int64 = WallClock.nowMs()) throws -> Int64 {
        do {
            return try calendar.parseTime(text, nowMs: nowMs)
        } catch {
            throw ValidationError("\(option): \(error)")
        }
    }

    static var defaultValueDescription: String { "date or time (site-local unless it has an offset), epoch ms, or 'now'" }
}

/// Formats epoch milliseconds as ISO 8601 UTC with milliseconds.
func iso8601(_ ms: Int64) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
}

/// `host:port`, `[v6]:port`; the port defaults to `defaultPort`.
struct Endpoint: ExpressibleByArgument, Sendable, CustomStringConvertible {
    var host: String
    var port: Int

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    init?(argument: String) { self.init(parsing: argument, defaultPort: 502) }

    init?(parsing text: String, defaultPort: Int) {
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty {
                port = defaultPort
            } else {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()), (0...65535).contains(p) else { return nil }
                port = p
            }
        } else if let colon = text.lastIndex(of: ":"), text.firstIndex(of: ":") == colon {
            host = String(text[..<colon])
            guard let p = Int(text[text.index(after: colon)...]), (0...65535).contains(p) else { return nil }
            port = p
        } else {
            host = text
            port = defaultPort
        }
        if host.isEmpty { return nil }
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A plain text table with aligned columns.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    /// Columns aligned right (numbers).
    var rightAligned: Set<Int> = []

    func render() -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                return rightAligned.contains(i) ? pad + c : c + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = [line(header), line(widths.map { String(repeating: "-", count: $0) })]
        out += rows.map(line)
        return out.joined(separator: "\n")
    }
}
