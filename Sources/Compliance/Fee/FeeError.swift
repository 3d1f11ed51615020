/// Why a fee computation, a rate table or a fee input was refused.
///
/// The server-ecosystem error pattern used across esep (`EnergyError`, `ModbusError`; see
/// `/work/shared/STYLE.md`, swift-service-lifecycle's `ServiceRunnerError`): a `Code` that grows without
/// breaking callers, the `field` the problem is about (`rates[2].from`, `meteredWh.grid`,
/// `faultyMeterDays[1].date`), and a human-readable `message`. The fee engine never traps on data
/// from outside: every bad value and every arithmetic overflow comes back as a `FeeError`.
public struct FeeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Value: Sendable, Hashable {
            case invalidTable
            case invalidInput
            case noRatePeriod
            case quarterStraddlesPeriods
            case missingPriceBand
            case missingRate
            case notAPayer
            case overflow
        }

        private let value: Value

        private init(_ value: Value) { self.value = value }

        /// A rate-table entry is malformed or out of range (index and field in ``FeeError/field``).
        public static let invalidTable = Code(.invalidTable)
        /// An input quantity is out of range, malformed or inconsistent.
        public static let invalidInput = Code(.invalidInput)
        /// No rate period covers the quarter (it starts before the table's first `from`).
        public static let noRatePeriod = Code(.noRatePeriod)
        /// A rate change falls inside the quarter, so no single period applies.
        public static let quarterStraddlesPeriods = Code(.quarterStraddlesPeriods)
        /// The quarter's average purchase price of electricity falls in no band of the period's band table.
        public static let missingPriceBand = Code(.missingPriceBand)
        /// The period has no rate for a category that has energy.
        public static let missingRate = Code(.missingRate)
        /// The payer kind is not a payer under the period (hosting providers are payers from 2026).
        public static let notAPayer = Code(.notAPayer)
        /// A product or sum does not fit in `Int64`.
        public static let overflow = Code(.overflow)

        public var description: String {
            switch value {
            case .invalidTable: "invalid rate table"
            case .invalidInput: "invalid fee input"
            case .noRatePeriod: "no rate period"
            case .quarterStraddlesPeriods: "quarter straddles rate periods"
            case .missingPriceBand: "missing price band"
            case .missingRate: "missing rate"
            case .notAPayer: "not a payer"
            case .overflow: "arithmetic overflow"
            }
        }
    }

    public var code: Code
    /// The field at fault, as a path: `rates[2].from`, `meteredWh.grid`, `averagePurchasePrice`.
    public var field: String
    /// What is wrong with it.
    public var message: String

    /// An error about `field`.
    public init(code: Code, field: String, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// `field: message`, e.g. `rates[2].from: 2024-01-01 is not after rates[1].from 2024-01-01`.
    public var description: String { "\(field): \(message)" }
}
