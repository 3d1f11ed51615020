/// A failure of the store: which operation, on which database file, and why.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String { case open, migrate, write, read, corrupt, notFound, invalidArgument }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        public static let open = Code(.open)
        public static let migrate = Code(.migrate)
        public static let write = Code(.write)
        public static let read = Code(.read)
        /// Stored data that does not decode (a damaged chunk), or a database file that fails
        /// SQLite's integrity check.
        public static let corrupt = Code(.corrupt)
        public static let notFound = Code(.notFound)
        public static let invalidArgument = Code(.invalidArgument)
        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The database file.
    public var path: String
    /// What the store was doing, e.g. "append batch of 10000 samples".
    public var operation: String
    /// The underlying cause (SQLite's message, a codec error).
    public var reason: String

    public init(_ code: Code, path: String, operation: String, reason: String) {
        self.code = code
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    public var description: String { "\(path): \(operation) failed (\(code)): \(reason)" }
}
