/// A key path into the configuration: `meters[2].unit_id`, `site.timezone`,
/// `profiles[0].fields[3].address`.
///
/// Keys made only of `A-Z a-z 0-9 _ -` are written bare; any other key is written as a
/// TOML basic string (`site."odd key"`). Array indexes are 0-based. The locator and the
/// loader render paths the same way, so a rendered path is a lookup key.
public struct ConfigPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) {
        self.components = components
    }

    /// A path of plain keys, e.g. `ConfigPath("site.timezone")`; indexes as `meters[2]`.
    ///
    /// Parses the rendered form back for bare keys and indexes (quoted keys are kept as
    /// written); meant for literals in code and tests.
    public init(stringLiteral value: String) {
        var components: [Component] = []
        for part in value.split(separator: ".", omittingEmptySubsequences: true) {
            var text = Substring(part)
            if let open = text.firstIndex(of: "[") {
                components.append(.key(String(text[..<open])))
                text = text[open...]
                while text.hasPrefix("["), let close = text.firstIndex(of: "]"),
                    let n = Int(text[text.index(after: text.startIndex)..<close])
                {
                    components.append(.index(n))
                    text = text[text.index(after: close)...]
                }
            } else {
                components.append(.key(String(text)))
            }
        }
        self.components = components
    }

    public static let root = ConfigPath()

    public var isRoot: Bool { components.isEmpty }

    /// The path with one more key.
    public func appending(_ key: String) -> ConfigPath { ConfigPath(components + [.key(key)]) }

    /// The path with one more index.
    public func appending(index: Int) -> ConfigPath { ConfigPath(components + [.index(index)]) }

    /// The path one level up (the root stays the root).
    public var parent: ConfigPath { ConfigPath(Array(components.dropLast())) }

    /// The last key of the path, if it ends with a key.
    public var lastKey: String? {
        if case .key(let k) = components.last { return k }
        return nil
    }

    public var description: String {
        var out = ""
        for component in components {
            switch component {
            case .key(let key):
                if !out.isEmpty { out += "." }
                out += ConfigPath.render(key: key)
            case .index(let i):
                out += "[\(i)]"
            }
        }
        return out
    }

    static func render(key: String) -> String {
        let isBare =
            !key.isEmpty
            && key.unicodeScalars.allSatisfy { s in
                (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || s == "_" || s == "-"
            }
        if isBare { return key }
        var quoted = "\""
        for s in key.unicodeScalars {
            switch s {
            case "\"": quoted += "\\\""
            case "\\": quoted += "\\\\"
            case "\n": quoted += "\\n"
            case "\t": quoted += "\\t"
            default: quoted.unicodeScalars.append(s)
            }
        }
        return quoted + "\""
    }
}
