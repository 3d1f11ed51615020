import Foundation

/// A table rendered as RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they
/// hold a comma, quote or line break.
struct CSVTable: Sendable {
    var header: [String]
    var rows: [[String]] = []

    var text: String {
        var out = ""
        out.reserveCapacity((rows.count + 1) * header.count * 8)
        CSV.appendLine(header, to: &out)
        for r in rows { CSV.appendLine(r, to: &out) }
        return out
    }
}

enum CSV {
    static func appendLine(_ fields: [String], to out: inout String) {
        for (i, f) in fields.enumerated() {
            if i > 0 { out += "," }
            out += quoted(f)
        }
        out += "\r\n"
    }

    static func line(_ fields: [String]) -> String {
        var out = ""
        appendLine(fields, to: &out)
        return out
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func field(_ v: Int64?) -> String { v.map { String($0) } ?? "" }
    static func field(_ v: Int?) -> String { v.map { String($0) } ?? "" }

    /// A double as JSON writes it: integral values without `.0`.
    static func field(_ v: Double?) -> String {
        guard let v else { return "" }
        if v.rounded() == v, abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}
