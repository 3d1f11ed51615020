/// A failure to set the HTTP server up: a TLS file that cannot be read, a bad listen address.
///
/// The server-ecosystem error pattern (`ServiceRunnerError`, `PSQLError`): a nested ``Code``
/// that can grow without breaking callers, plus context.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case tlsConfiguration, listen
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A certificate, key or CA file is missing, unreadable or not PEM, or only one of
        /// certificate and key is given.
        public static let tlsConfiguration = Code(.tlsConfiguration)
        /// The listen address is not usable.
        public static let listen = Code(.listen)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The config key the problem is about (`api.tls_cert`).
    public var key: String
    /// The file or value concerned.
    public var value: String
    public var reason: String

    public init(_ code: Code, key: String, value: String, reason: String) {
        self.code = code
        self.key = key
        self.value = value
        self.reason = reason
    }

    public var description: String { "\(key) = \"\(value)\": \(reason)" }
}
