/// Collects diagnostics while the loader walks the parsed document.
///
/// Confined to the one call of ``SiteConfigLoader/parse(text:path:)`` that created it.
final class ConfigDecoder {
    let file: String
    let locator: TOMLKeyLocator
    private(set) var diagnostics: [ConfigDiagnostic] = []

    init(file: String, locator: TOMLKeyLocator) {
        self.file = file
        self.locator = locator
    }

    /// Records a problem with `path`, at the line of the path or of its nearest written ancestor.
    func error(_ path: ConfigPath, _ message: String) {
        let diagnostic = ConfigDiagnostic(
            file: file, line: locator.nearestLine(for: path), key: path.description, message: message)
        if !diagnostics.contains(diagnostic) { diagnostics.append(diagnostic) }
    }

    /// A reader for a table node, or nil (and an error) when the node is not a table.
    func table(_ node: TOMLNode, at path: ConfigPath, keys: [String]) -> TableReader? {
        guard case .table(let entries) = node else {
            error(path, "expected a table, found \(node.typeDescription)")
            return nil
        }
        let reader = TableReader(decoder: self, path: path, entries: entries)
        reader.checkUnknownKeys(keys)
        return reader
    }

    /// The diagnostics sorted by line; equal lines keep the order they were found in.
    var sortedDiagnostics: [ConfigDiagnostic] {
        diagnostics.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
    }
}

/// Typed access to one table's keys, reporting wrong types, missing required keys and
/// out-of-range values to its ``ConfigDecoder``.
///
/// Getters return `nil` (or the default) after reporting, so the walk goes on and finds
/// every other problem too.
struct TableReader {
    let decoder: ConfigDecoder
    let path: ConfigPath
    let entries: [String: TOMLNode]

    func has(_ key: String) -> Bool { entries[key] != nil }

    func checkUnknownKeys(_ known: [String]) {
        for key in entries.keys.sorted() where !known.contains(key) {
            var message = "unknown key"
            if let suggestion = closestMatch(to: key, in: known) { message += "; did you mean '\(suggestion)'?" }
            decoder.error(path.appending(key), message)
        }
    }

    func missing(_ key: String) {
        decoder.error(path.appending(key), "missing required key")
    }

    func typeError(_ key: String, expected: String, found node: TOMLNode) {
        decoder.error(path.appending(key), "expected \(expected), found \(node.typeDescription)")
    }

    // MARK: strings

    func string(_ key: String) -> String? {
        guard let node = entries[key] else { return nil }
        guard case .string(let s) = node else {
            typeError(key, expected: "a string", found: node)
            return nil
        }
        return s
    }

    func requiredString(_ key: String) -> String? {
        guard has(key) else {
            missing(key)
            return nil
        }
        guard let s = string(key) else { return nil }
        if s.isEmpty {
            decoder.error(path.appending(key), "must not be empty")
            return nil
        }
        return s
    }

    func string(_ key: String, default value: String) -> String { string(key) ?? value }

    /// A decimal as written: a TOML number, or a string of digits with an optional fraction (kept
    /// as text, so that the caller converts it exactly).
    func decimal(_ key: String) -> String? {
        switch entries[key] {
        case .integer(let n): return String(n)
        case .float(let d): return String(d)
        case nil: return nil
        default: return string(key)  // a string, or reported as the wrong type
        }
    }

    func requiredDecimal(_ key: String) -> String? {
        guard has(key) else {
            missing(key)
            return nil
        }
        return decimal(key)
    }

    /// A string from a fixed set of spellings.
    func choice<T>(_ key: String, _ choices: [(String, T)]) -> T? {
        guard let s = string(key) else { return nil }
        if let hit = choices.first(where: { $0.0 == s }) { return hit.1 }
        let names = choices.map { "'\($0.0)'" }.joined(separator: ", ")
        decoder.error(path.appending(key), "'\(s)' is not one of \(names)")
        return nil
    }

    // MARK: numbers

    func int(_ key: String) -> Int? {
        guard let node = entries[key] else { return nil }
        guard case .integer(let n) = node else {
            typeError(key, expected: "an integer", found: node)
            return nil
        }
        return n
    }

    /// An integer in `range`, or nil (reported) when missing, mistyped or out of range.
    func int(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let n = int(key) else { return nil }
        guard range.contains(n) else {
            decoder.error(
                path.appending(key), "must be between \(range.lowerBound) and \(range.upperBound), found \(n)")
            return nil
        }
        return n
    }

    func int(_ key: String, default value: Int, in range: ClosedRange<Int>) -> Int {
        int(key, in: range) ?? value
    }

    func requiredInt(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard has(key) else {
            missing(key)
            return nil
        }
        return int(key, in: range)
    }

    /// A floating-point value; integers are accepted (`rated_power_kw = 500`).
    func double(_ key: String) -> Double? {
        guard let node = entries[key] else { return nil }
        switch node {
        case .float(let d): return d
        case .integer(let n): return Double(n)
        default:
            typeError(key, expected: "a number", found: node)
            return nil
        }
    }

    func bool(_ key: String, default value: Bool) -> Bool {
        guard let node = entries[key] else { return value }
        guard case .boolean(let b) = node else {
            typeError(key, expected: "a boolean", found: node)
            return value
        }
        return b
    }

    // MARK: containers

    /// A sub-table, or nil when absent or (reported) not a table.
    func table(_ key: String, keys: [String]) -> TableReader? {
        guard let node = entries[key] else { return nil }
        return decoder.table(node, at: path.appending(key), keys: keys)
    }

    /// The elements of an array of tables (`[[key]]`), each checked against `keys`.
    func tables(_ key: String, keys: [String]) -> [(index: Int, reader: TableReader)] {
        guard let node = entries[key] else { return [] }
        guard case .array(let elements) = node else {
            typeError(key, expected: "an array of tables ([[\(path.appending(key))]])", found: node)
            return []
        }
        var result: [(Int, TableReader)] = []
        for (i, element) in elements.enumerated() {
            if let reader = decoder.table(element, at: path.appending(key).appending(index: i), keys: keys) {
                result.append((i, reader))
            }
        }
        return result
    }

    /// The elements of an array, with their paths; nil when absent or (reported) not an array.
    func array(_ key: String) -> [(path: ConfigPath, node: TOMLNode)]? {
        guard let node = entries[key] else { return nil }
        guard case .array(let elements) = node else {
            typeError(key, expected: "an array", found: node)
            return nil
        }
        return elements.enumerated().map { (path.appending(key).appending(index: $0.offset), $0.element) }
    }

    /// An array of strings; mistyped elements are reported and left out.
    func stringArray(_ key: String) -> [(path: ConfigPath, value: String)]? {
        guard let elements = array(key) else { return nil }
        var result: [(ConfigPath, String)] = []
        for (p, node) in elements {
            if case .string(let s) = node {
                result.append((p, s))
            } else {
                decoder.error(p, "expected a string, found \(node.typeDescription)")
            }
        }
        return result
    }
}

/// The candidate closest to `word` by edit distance, when it is within 2 edits.
func closestMatch(to word: String, in candidates: some Sequence<String>) -> String? {
    var best: (distance: Int, name: String)?
    for candidate in candidates {
        let d = editDistance(word.lowercased(), candidate.lowercased())
        guard d <= 2 else { continue }
        if let b = best, (b.distance, b.name) <= (d, candidate) { continue }
        best = (d, candidate)
    }
    return best?.name
}

/// Levenshtein distance over Unicode scalars.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars)
    let b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let cost = a[i - 1] == b[j - 1] ? 0 : 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}
