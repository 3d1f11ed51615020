import ArgumentParser
import Foundation
import Metering

/// A point in time on the command line: ISO 8601 with an offset (`2026-11-22T10:00:00+05:00`,
/// `2026-11-22T05:00:00Z`), a date (`2026-11-22`, midnight UTC), epoch milliseconds, or `now`.
struct TimeArgument: ExpressibleByArgument, Sendable {
    var ms: Int64

    init(ms: Int64) { self.ms = ms }

    init?(argument: String) {
        guard let ms = TimeArgument.parse(argument) else { return nil }
        self.ms = ms
    }

    static func parse(_ text: String) -> Int64? {
        if text == "now" { return WallClock.nowMs() }
        if let n = Int64(text), text.count >= 10 { return n }
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        for f in [plain, withFraction, day] {
            if let d = f.date(from: text) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        }
        return nil
    }

    static var defaultValueDescription: String { "ISO 8601 time, epoch ms, or 'now'" }
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
