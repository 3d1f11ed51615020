/// Why a document could not be produced. Follows the error-struct pattern of ``FeeError``: a code,
/// the parameter or input it concerns, and a message that says what is wrong and what to do.
public struct DocumentError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: String { case invalidPeriod, noTemplate, unknownTemplate, missingDetails, invalidInput, data, render, pdf, busy }
        private let value: Value
        private init(_ v: Value) { value = v }
        /// `--period` is not what the kind takes, or has not started.
        public static let invalidPeriod = Code(.invalidPeriod)
        /// No template covers the period (the message names the regime and the template that would fit).
        public static let noTemplate = Code(.noTemplate)
        /// `--template` names no template of the kind.
        public static let unknownTemplate = Code(.unknownTemplate)
        /// The config lacks what the document needs (`[operator]`, `[fee]`, pools…).
        public static let missingDetails = Code(.missingDetails)
        /// An input file (the 1-ЦМ distributions) has errors.
        public static let invalidInput = Code(.invalidInput)
        /// The store could not be read.
        public static let data = Code(.data)
        /// A template failed to render.
        public static let render = Code(.render)
        /// The PDF could not be made (no Chromium, or it failed).
        public static let pdf = Code(.pdf)
        /// As many PDFs as the box allows are being printed; try again shortly.
        public static let busy = Code(.busy)
        public var description: String { value.rawValue }
    }

    public let code: Code
    /// The parameter, config key or file concerned (`--period`, `operator`, `dist.csv`).
    public let parameter: String
    public let message: String

    public init(_ code: Code, parameter: String, _ message: String) {
        self.code = code
        self.parameter = parameter
        self.message = message
    }

    public var description: String { "\(parameter): \(message)" }
}
