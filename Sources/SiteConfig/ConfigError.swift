/// One problem found in a configuration file, located by file, line and key path.
///
/// `description` is exactly `FILE:LINE: key: message`, the form editors and CI logs link to:
///
/// ```text
/// /etc/esep/esep.toml:42: meters[1].unit_id: expected an integer, found a string
/// ```
///
/// Key paths name array elements with 0-based indexes (`meters[2].unit_id`,
/// `profiles[0].fields[3].address`). A missing key points at the line of its table header.
/// Problems with the file as a whole use the key `(file)` (line 0: missing or unreadable)
/// or `(syntax)` (the TOML parser's line).
public struct ConfigDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// The path of the file, as given to the loader.
    public var file: String
    /// 1-based line number; 0 when the problem is not on a line (the file could not be read).
    public var line: Int
    /// The key path, e.g. `meters[1].unit_id`.
    public var key: String
    public var message: String

    public init(file: String, line: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String { "\(file):\(line): \(key): \(message)" }
}

/// Every problem found while loading a configuration, sorted by line.
///
/// The loader collects all problems before throwing, so one run shows the operator
/// everything to fix.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]

    public init(diagnostics: [ConfigDiagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One diagnostic per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// The keys of diagnostics about the file as a whole.
extension ConfigDiagnostic {
    /// The file is missing or unreadable.
    public static let fileKey = "(file)"
    /// The file is not valid TOML.
    public static let syntaxKey = "(syntax)"
}
