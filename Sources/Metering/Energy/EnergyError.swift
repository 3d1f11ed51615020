/// An input the incremental computation cannot take in order; recompute in batch instead.
///
/// The server-ecosystem error pattern: a `Code` that grows without breaking callers, plus context.
public struct EnergyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case readingOutOfOrder
            case lateReplacement
        }

        private let value: Value

        private init(_ value: Value) { self.value = value }

        /// A reading older than one already taken.
        public static let readingOutOfOrder = Code(.readingOutOfOrder)
        /// A replacement at or before the last reading taken: closed intervals cannot change, so
        /// the span must be recomputed (and corrected) in batch.
        public static let lateReplacement = Code(.lateReplacement)

        public var description: String {
            switch value {
            case .readingOutOfOrder: "reading out of order"
            case .lateReplacement: "replacement declared after later readings were taken"
            }
        }
    }

    public var code: Code
    /// The time of the rejected input, UTC epoch ms.
    public var timeMs: Int64
    /// The time of the last input taken, UTC epoch ms.
    public var lastTimeMs: Int64

    public init(code: Code, timeMs: Int64, lastTimeMs: Int64) {
        self.code = code
        self.timeMs = timeMs
        self.lastTimeMs = lastTimeMs
    }

    public var description: String { "\(code) (at \(timeMs) ms, last input at \(lastTimeMs) ms)" }
}
