/// Maps key paths of a TOML document to the line they are written on.
///
/// TOMLKit reports where a syntax error is, but not where a parsed key came from, so
/// every configuration diagnostic would otherwise lack a line. The locator scans the
/// text once and records the first line of:
///
/// - table headers `[a.b]` → `a.b`, arrays of tables `[[meters]]` → `meters[0]`,
///   `meters[1]`, … (0-based, counted per array, nested arrays under the last element
///   of their parent: `[[profiles.fields]]` → `profiles[0].fields[3]`);
/// - `key = value` lines, with quoted keys (`"a b" = 1` → `"a b"`) and dotted keys
///   (`a.b = 1` → `a` and `a.b`);
/// - inline tables (`map = { armed = "di:0" }` → `map.armed`) and the elements of arrays
///   (`scopes = [ … ]` → `scopes[0]`, each on its own line when the array spans lines).
///
/// Comments, single- and multi-line strings (`"""`, `'''`) and multi-line arrays are
/// skipped so that nothing inside them is mistaken for a key or a header. The scan is
/// tolerant: on text TOMLKit would reject it records what it can and never traps.
public struct TOMLKeyLocator: Sendable {
    /// Rendered key path → first line (1-based) it appears on.
    public private(set) var lines: [String: Int]

    public init(text: String) {
        var scanner = Scanner(bytes: Array(text.utf8))
        scanner.run()
        lines = scanner.lines
    }

    /// The line a key path is written on, if it is written in the document.
    public func line(of path: ConfigPath) -> Int? { lines[path.description] }

    /// The line a rendered key path (`meters[2].unit_id`) is written on.
    public func line(of path: String) -> Int? { lines[path] }

    /// The line of `path`, or of its nearest written ancestor (the table header of a
    /// missing key); 1 when no part of the path is written.
    public func nearestLine(for path: ConfigPath) -> Int {
        var p = path
        while !p.isRoot {
            if let line = lines[p.description] { return line }
            p = p.parent
        }
        return 1
    }
}

extension TOMLKeyLocator {
    fileprivate struct Scanner {
        let bytes: [UInt8]
        var pos = 0
        var line = 1
        var lines: [String: Int] = [:]
        /// Number of elements seen so far of each array of tables, by rendered path.
        var arrayCounts: [String: Int] = [:]
        var current = ConfigPath.root

        init(bytes: [UInt8]) {
            self.bytes = bytes
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
        }

        var atEnd: Bool { pos >= bytes.count }
        var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }

        func peek(_ offset: Int) -> UInt8? { pos + offset < bytes.count ? bytes[pos + offset] : nil }

        mutating func register(_ path: ConfigPath, line: Int) {
            let key = path.description
            if lines[key] == nil { lines[key] = line }
        }

        mutating func run() {
            while !atEnd {
                skipWhitespaceCommentsAndNewlines()
                guard let c = peek else { break }
                if c == UInt8(ascii: "[") {
                    header()
                } else {
                    keyValue(base: current)
                }
                skipRestOfLine()
            }
        }

        // MARK: headers and key/value pairs

        mutating func header() {
            let headerLine = line
            pos += 1
            let isArray = peek == UInt8(ascii: "[")
            if isArray { pos += 1 }
            let keys = key()
            var path = ConfigPath.root
            for (i, k) in keys.enumerated() {
                path = path.appending(k)
                // A parent that is an array of tables means its latest element.
                if i < keys.count - 1, let n = arrayCounts[path.description], n > 0 {
                    path = path.appending(index: n - 1)
                }
            }
            if isArray {
                let n = arrayCounts[path.description] ?? 0
                arrayCounts[path.description] = n + 1
                register(path, line: headerLine)
                path = path.appending(index: n)
            }
            register(path, line: headerLine)
            current = path
        }

        mutating func keyValue(base: ConfigPath) {
            let keyLine = line
            let keys = key()
            guard !keys.isEmpty else { return }
            var path = base
            for k in keys {
                path = path.appending(k)
                register(path, line: keyLine)
            }
            skipInlineWhitespace()
            if peek == UInt8(ascii: "=") { pos += 1 }
            value(at: path)
        }

        /// Reads a possibly dotted key, bare or quoted parts; stops before `=`, `]` or a line end.
        mutating func key() -> [String] {
            var parts: [String] = []
            while !atEnd {
                skipInlineWhitespace()
                guard let c = peek else { break }
                if c == UInt8(ascii: "\"") {
                    parts.append(basicStringKey())
                } else if c == UInt8(ascii: "'") {
                    parts.append(literalStringKey())
                } else {
                    let start = pos
                    while let b = peek, Scanner.isBareKeyByte(b) { pos += 1 }
                    if pos == start { break }
                    parts.append(String(decoding: bytes[start..<pos], as: UTF8.self))
                }
                skipInlineWhitespace()
                if peek == UInt8(ascii: ".") { pos += 1 } else { break }
            }
            return parts
        }

        static func isBareKeyByte(_ b: UInt8) -> Bool {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default:
                b >= 0x80  // tolerate non-ASCII bare keys (TOML 1.1 allows some)
            }
        }

        // MARK: values

        mutating func value(at path: ConfigPath) {
            skipInlineWhitespace()
            guard let c = peek else { return }
            switch c {
            case UInt8(ascii: "\""):
                if peek(1) == c && peek(2) == c { skipMultilineString(quote: c) } else { skipBasicString() }
            case UInt8(ascii: "'"):
                if peek(1) == c && peek(2) == c { skipMultilineString(quote: c) } else { skipLiteralString() }
            case UInt8(ascii: "["):
                array(at: path)
            case UInt8(ascii: "{"):
                inlineTable(at: path)
            default:
                // Numbers, booleans, dates (a date-time may contain one space).
                while let b = peek {
                    if b == UInt8(ascii: ",") || b == UInt8(ascii: "]") || b == UInt8(ascii: "}")
                        || b == UInt8(ascii: "\n") || b == UInt8(ascii: "#")
                    {
                        break
                    }
                    pos += 1
                }
            }
        }

        mutating func array(at path: ConfigPath) {
            pos += 1
            var index = 0
            while !atEnd {
                skipWhitespaceCommentsAndNewlines()
                guard let c = peek else { return }
                if c == UInt8(ascii: "]") {
                    pos += 1
                    return
                }
                if c == UInt8(ascii: ",") {
                    pos += 1
                    continue
                }
                let element = path.appending(index: index)
                register(element, line: line)
                let before = pos
                value(at: element)
                if pos == before { pos += 1 }  // a stray byte: step over it
                index += 1
            }
        }

        mutating func inlineTable(at path: ConfigPath) {
            pos += 1
            while !atEnd {
                skipWhitespaceCommentsAndNewlines()
                guard let c = peek else { return }
                if c == UInt8(ascii: "}") {
                    pos += 1
                    return
                }
                if c == UInt8(ascii: ",") {
                    pos += 1
                    continue
                }
                let before = pos
                keyValue(base: path)
                if pos == before { pos += 1 }
            }
        }

        // MARK: strings

        mutating func skipBasicString() {
            pos += 1
            while let b = peek {
                if b == UInt8(ascii: "\\") {
                    pos += 2
                } else if b == UInt8(ascii: "\"") {
                    pos += 1
                    return
                } else if b == UInt8(ascii: "\n") {
                    return  // unterminated: leave the newline to the caller
                } else {
                    pos += 1
                }
            }
            pos = min(pos, bytes.count)
        }

        mutating func skipLiteralString() {
            pos += 1
            while let b = peek {
                if b == UInt8(ascii: "'") {
                    pos += 1
                    return
                }
                if b == UInt8(ascii: "\n") { return }
                pos += 1
            }
        }

        /// Skips `"""…"""` or `'''…'''`, counting the lines inside. Up to two extra quotes
        /// before the closing delimiter belong to the string.
        mutating func skipMultilineString(quote: UInt8) {
            pos += 3
            while let b = peek {
                if b == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                    pos += 1
                    if peek == UInt8(ascii: "\n") { line += 1 }
                    if !atEnd { pos += 1 }
                } else if b == UInt8(ascii: "\n") {
                    line += 1
                    pos += 1
                } else if b == quote && peek(1) == quote && peek(2) == quote {
                    pos += 3
                    var extra = 0
                    while extra < 2, peek == quote {
                        pos += 1
                        extra += 1
                    }
                    return
                } else {
                    pos += 1
                }
            }
        }

        mutating func basicStringKey() -> String {
            pos += 1
            var out: [UInt8] = []
            while let b = peek, b != UInt8(ascii: "\""), b != UInt8(ascii: "\n") {
                pos += 1
                guard b == UInt8(ascii: "\\"), let e = peek else {
                    out.append(b)
                    continue
                }
                pos += 1
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let width = e == UInt8(ascii: "u") ? 4 : 8
                    let end = min(pos + width, bytes.count)
                    let hex = String(decoding: bytes[pos..<end], as: UTF8.self)
                    pos = end
                    if let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) {
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    }
                default: out.append(e)
                }
            }
            if peek == UInt8(ascii: "\"") { pos += 1 }
            return String(decoding: out, as: UTF8.self)
        }

        mutating func literalStringKey() -> String {
            pos += 1
            let start = pos
            while let b = peek, b != UInt8(ascii: "'"), b != UInt8(ascii: "\n") { pos += 1 }
            let text = String(decoding: bytes[start..<pos], as: UTF8.self)
            if peek == UInt8(ascii: "'") { pos += 1 }
            return text
        }

        // MARK: whitespace

        mutating func skipInlineWhitespace() {
            while let b = peek, b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") {
                pos += 1
            }
        }

        mutating func skipWhitespaceCommentsAndNewlines() {
            while let b = peek {
                if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") || b == UInt8(ascii: "\r") {
                    pos += 1
                } else if b == UInt8(ascii: "\n") {
                    line += 1
                    pos += 1
                } else if b == UInt8(ascii: "#") {
                    while let c = peek, c != UInt8(ascii: "\n") { pos += 1 }
                } else {
                    return
                }
            }
        }

        /// Skips a trailing comment or anything unparsed, and the newline.
        mutating func skipRestOfLine() {
            while let b = peek {
                pos += 1
                if b == UInt8(ascii: "\n") {
                    line += 1
                    return
                }
            }
        }
    }
}
