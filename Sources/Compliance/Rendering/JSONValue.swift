/// A JSON value and its writer (RFC 8259), for every machine-readable document esep prints —
/// energy, verification, deadlines, the fee — without Foundation.
///
/// Numbers are written from their decimal text (``int(_:)``, an exact fixed-point text such as
/// `"1234.567"`, or ``double(_:)``), never re-rounded through `Double`, so a document shows exactly
/// the integers and fixed decimals that were computed. Object members keep the order given
/// (``sortedObject(_:)`` sorts them by key, for stable output from a dictionary).
public indirect enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case string(String)
    /// A JSON number as decimal text (it must be a valid JSON number).
    case number(String)
    case array([JSONValue])
    /// Members in this order.
    case object([(String, JSONValue)])

    /// An integer.
    public static func int(_ value: some BinaryInteger) -> JSONValue { .number(String(value)) }

    /// A floating-point number in its shortest exact form; `null` when it is not finite.
    public static func double(_ value: Double) -> JSONValue { value.isFinite ? .number("\(value)") : .null }

    /// An object from a dictionary, members sorted by key.
    public static func sortedObject(_ members: [String: JSONValue]) -> JSONValue {
        .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// The document as text: pretty-printed with two-space indentation and a final newline, or
    /// on one line without spaces.
    public func rendered(pretty: Bool = true) -> String {
        var out = ""
        write(into: &out, indent: pretty ? 0 : nil)
        if pretty { out += "\n" }
        return out
    }

    private func write(into out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .string(let s): Self.writeString(s, into: &out)
        case .number(let text): out += text
        case .array(let items):
            writeList(items.count, into: &out, open: "[", close: "]", indent: indent) { k, out, inner in
                items[k].write(into: &out, indent: inner)
            }
        case .object(let members):
            writeList(members.count, into: &out, open: "{", close: "}", indent: indent) { k, out, inner in
                Self.writeString(members[k].0, into: &out)
                out += inner == nil ? ":" : ": "
                members[k].1.write(into: &out, indent: inner)
            }
        }
    }

    private func writeList(
        _ count: Int, into out: inout String, open: String, close: String, indent: Int?,
        element: (Int, inout String, Int?) -> Void
    ) {
        guard count > 0 else { return out += open + close }
        out += open
        let inner = indent.map { $0 + 1 }
        for k in 0..<count {
            if k > 0 { out += "," }
            if let inner { out += "\n" + String(repeating: "  ", count: inner) }
            element(k, &out, inner)
        }
        if let indent { out += "\n" + String(repeating: "  ", count: indent) }
        out += close
    }

    /// `s` as a JSON string literal: `"` and `\` escaped, control characters as `\n`, `\t`, … or
    /// `\u00XX`, everything else as is.
    public static func quoted(_ s: String) -> String {
        var out = ""
        writeString(s, into: &out)
        return out
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
