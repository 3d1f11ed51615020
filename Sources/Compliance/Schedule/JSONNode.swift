/// A JSON value with the line and column it starts at, and numbers kept as their text — so a
/// schedule's `1234.567` kWh is read as a decimal exactly, and every problem says where it is.
/// Foundation's parsers give neither.
///
/// RFC 8259, strict: no comments, no trailing commas; nesting deeper than ``maxDepth`` is refused
/// (no input can exhaust the stack).
struct JSONNode {
    enum Value {
        case object([(String, JSONNode)])
        case array([JSONNode])
        case string(String)
        /// The number's text as written (`-12.5e3`).
        case number(String)
        case bool(Bool)
        case null
    }

    var value: Value
    /// 1-based.
    var line: Int
    /// 1-based, in characters (Unicode scalars) of the line.
    var column: Int

    static let maxDepth = 32

    struct SyntaxError: Error {
        var line: Int
        var column: Int
        var message: String
    }

    static func parse(_ text: String) throws(SyntaxError) -> JSONNode {
        var p = Parser(scalars: Array(text.unicodeScalars))
        p.skipSpace()
        let node = try p.value(depth: 0)
        p.skipSpace()
        if p.pos < p.scalars.count { throw p.error("unexpected text after the document") }
        return node
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var pos = 0
        var line = 1
        var lineStart = 0

        init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var column: Int { pos - lineStart + 1 }

        func error(_ message: String) -> SyntaxError { SyntaxError(line: line, column: column, message: message) }

        mutating func skipSpace() {
            while pos < scalars.count {
                switch scalars[pos] {
                case "\n":
                    pos += 1
                    line += 1
                    lineStart = pos
                case " ", "\t", "\r": pos += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> JSONNode {
            guard depth < JSONNode.maxDepth else { throw error("nested more than \(JSONNode.maxDepth) levels deep") }
            guard pos < scalars.count else { throw error("unexpected end of the document") }
            let (l, c) = (line, column)
            switch scalars[pos] {
            case "{":
                pos += 1
                var members: [(String, JSONNode)] = []
                skipSpace()
                if pos < scalars.count, scalars[pos] == "}" {
                    pos += 1
                    return JSONNode(value: .object(members), line: l, column: c)
                }
                while true {
                    skipSpace()
                    guard pos < scalars.count, scalars[pos] == "\"" else { throw error("expected a member name in quotes") }
                    let key = try string()
                    skipSpace()
                    guard pos < scalars.count, scalars[pos] == ":" else { throw error("expected ':' after \"\(key)\"") }
                    pos += 1
                    skipSpace()
                    members.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard pos < scalars.count else { throw error("unexpected end of the document: '}' missing") }
                    if scalars[pos] == "," {
                        pos += 1
                        continue
                    }
                    if scalars[pos] == "}" {
                        pos += 1
                        return JSONNode(value: .object(members), line: l, column: c)
                    }
                    throw error("expected ',' or '}'")
                }
            case "[":
                pos += 1
                var items: [JSONNode] = []
                skipSpace()
                if pos < scalars.count, scalars[pos] == "]" {
                    pos += 1
                    return JSONNode(value: .array(items), line: l, column: c)
                }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard pos < scalars.count else { throw error("unexpected end of the document: ']' missing") }
                    if scalars[pos] == "," {
                        pos += 1
                        continue
                    }
                    if scalars[pos] == "]" {
                        pos += 1
                        return JSONNode(value: .array(items), line: l, column: c)
                    }
                    throw error("expected ',' or ']'")
                }
            case "\"":
                return JSONNode(value: .string(try string()), line: l, column: c)
            case "t", "f", "n":
                for (word, v) in [("true", Value.bool(true)), ("false", .bool(false)), ("null", .null)] {
                    let w = Array(word.unicodeScalars)
                    if pos + w.count <= scalars.count, Array(scalars[pos..<pos + w.count]) == w {
                        pos += w.count
                        return JSONNode(value: v, line: l, column: c)
                    }
                }
                throw error("unexpected text")
            case "-", "0"..."9":
                let start = pos
                if scalars[pos] == "-" { pos += 1 }
                var digits = 0
                while pos < scalars.count, ("0"..."9").contains(scalars[pos]) {
                    pos += 1
                    digits += 1
                }
                guard digits > 0 else { throw error("a number needs digits") }
                if pos < scalars.count, scalars[pos] == "." {
                    pos += 1
                    var fraction = 0
                    while pos < scalars.count, ("0"..."9").contains(scalars[pos]) {
                        pos += 1
                        fraction += 1
                    }
                    guard fraction > 0 else { throw error("a number needs digits after '.'") }
                }
                if pos < scalars.count, scalars[pos] == "e" || scalars[pos] == "E" {
                    pos += 1
                    if pos < scalars.count, scalars[pos] == "+" || scalars[pos] == "-" { pos += 1 }
                    var exponent = 0
                    while pos < scalars.count, ("0"..."9").contains(scalars[pos]) {
                        pos += 1
                        exponent += 1
                    }
                    guard exponent > 0 else { throw error("a number needs digits after its exponent") }
                }
                var text = ""
                text.unicodeScalars.append(contentsOf: scalars[start..<pos])
                return JSONNode(value: .number(text), line: l, column: c)
            default:
                throw error("unexpected '\(scalars[pos].escaped(asASCII: true))'")
            }
        }

        /// A string at `pos` (its opening quote).
        mutating func string() throws(SyntaxError) -> String {
            pos += 1
            var out = String.UnicodeScalarView()
            while pos < scalars.count {
                let s = scalars[pos]
                switch s {
                case "\"":
                    pos += 1
                    return String(out)
                case "\\":
                    pos += 1
                    guard pos < scalars.count else { break }
                    let e = scalars[pos]
                    pos += 1
                    switch e {
                    case "\"": out.append("\"")
                    case "\\": out.append("\\")
                    case "/": out.append("/")
                    case "b": out.append("\u{08}")
                    case "f": out.append("\u{0C}")
                    case "n": out.append("\n")
                    case "r": out.append("\r")
                    case "t": out.append("\t")
                    case "u":
                        guard pos + 4 <= scalars.count, let code = UInt32(String(String.UnicodeScalarView(scalars[pos..<pos + 4])), radix: 16)
                        else { throw error("\\u needs four hex digits") }
                        pos += 4
                        // A surrogate (half of a pair) is kept as the replacement character.
                        out.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                    default: throw error("unknown escape '\\\(e)'")
                    }
                case "\n":
                    throw error("a line break inside a string")
                default:
                    if s.value < 0x20 { throw error("a control character inside a string") }
                    out.append(s)
                    pos += 1
                }
            }
            throw error("a string is never closed")
        }
    }
}
