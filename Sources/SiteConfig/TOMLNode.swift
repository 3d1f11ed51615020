import TOMLKit

/// A parsed TOML value as a plain Swift tree.
///
/// TOMLKit's tables and arrays are classes over toml++ nodes and are not `Sendable`;
/// the loader copies the document into this tree once, right after parsing, and works
/// on the copy only.
indirect enum TOMLNode: Sendable {
    case table([String: TOMLNode])
    case array([TOMLNode])
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    /// A date, time or date-time ("a date", …); esep has no key of these types.
    case dateTime(String)

    /// "a string", "an integer", … for `expected …, found …` messages.
    var typeDescription: String {
        switch self {
        case .table: "a table"
        case .array: "an array"
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .dateTime(let found): found
        }
    }

    init(_ table: TOMLTable) {
        var entries: [String: TOMLNode] = [:]
        for (key, value) in table { entries[key] = TOMLNode(value) }
        self = .table(entries)
    }

    init(_ value: any TOMLValueConvertible) {
        switch value.type {
        case .table: self = value.table.map(TOMLNode.init) ?? .table([:])
        case .array: self = .array(value.array.map { $0.map(TOMLNode.init) } ?? [])
        case .string: self = .string(value.string ?? "")
        case .int: self = .integer(value.int ?? 0)
        case .double: self = .float(value.double ?? 0)
        case .bool: self = .boolean(value.bool ?? false)
        case .date: self = .dateTime("a date")
        case .time: self = .dateTime("a time")
        case .dateTime: self = .dateTime("a date-time")
        }
    }
}
