import Foundation

/// A JSON value for the CLI's machine output: one document, numbers as numbers, keys in the
/// order given (so a reader sees the figures in the order a person would).
indirect enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let d): out += d.isFinite ? "\(d)" : "null"
        case .string(let s): out += jsonQuoted(s)
        case .array(let items):
            out += "["
            for (k, v) in items.enumerated() {
                if k > 0 { out += "," }
                v.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (k, (key, v)) in members.enumerated() {
                if k > 0 { out += "," }
                out += jsonQuoted(key)
                out += ":"
                v.write(to: &out)
            }
            out += "}"
        }
    }
}

/// A JSON object from its members, as text.
func jsonObject(_ members: [(String, JSONValue)]) -> String {
    var out = ""
    JSONValue.object(members).write(to: &out)
    return out
}

/// `s` as a JSON string literal (RFC 8259 escapes).
func jsonQuoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}
