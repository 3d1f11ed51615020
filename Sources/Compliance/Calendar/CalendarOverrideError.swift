/// A problem with one entry (or a pair of entries) of the calendar override file.
///
/// `description` is `field: message`, the tail of the site configuration's
/// `FILE:LINE: key: message` diagnostics; the loader prefixes the entry, e.g.
/// `day[2].kind: "holiday" is not one of day_off, working_day`.
/// Follows the project's error pattern (a `Code` struct over a private enum).
public struct CalendarOverrideError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String { case invalidDate, invalidKind, emptyNote, duplicateDate }
        private let base: Base
        private init(_ base: Base) { self.base = base }
        /// `date` is not a `YYYY-MM-DD` date that exists.
        public static let invalidDate = Code(.invalidDate)
        /// `kind` is not `day_off` or `working_day`.
        public static let invalidKind = Code(.invalidKind)
        /// `note` is empty or blank.
        public static let emptyNote = Code(.emptyNote)
        /// Two entries name the same date.
        public static let duplicateDate = Code(.duplicateDate)
        public var description: String { base.rawValue }
    }

    public let code: Code
    /// The entry's key: `date`, `kind` or `note`.
    public let field: String
    /// What is wrong and what is allowed.
    public let message: String
    /// For ``Code/duplicateDate``: the 0-based positions of the two entries; otherwise empty.
    public let indices: [Int]

    public init(_ code: Code, field: String, message: String, indices: [Int] = []) {
        self.code = code
        self.field = field
        self.message = message
        self.indices = indices
    }

    public var description: String { "\(field): \(message)" }
}
