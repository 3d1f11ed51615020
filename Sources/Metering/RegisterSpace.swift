/// The four Modbus data tables, named by the function code that reads them.
///
/// Addresses everywhere in esep are 0-based PDU addresses; a profile keeps the
/// vendor documentation's register number beside each address (see ``RegisterField``).
public enum RegisterSpace: String, Sendable, Hashable, CaseIterable, Codable {
    /// FC01, one bit per address.
    case coils = "coil"
    /// FC02, one read-only bit per address.
    case discreteInputs = "discrete"
    /// FC03, 16-bit read/write registers.
    case holdingRegisters = "holding"
    /// FC04, 16-bit read-only registers.
    case inputRegisters = "input"

    /// The Modbus function code that reads this table.
    public var readFunctionCode: UInt8 {
        switch self {
        case .coils: 1
        case .discreteInputs: 2
        case .holdingRegisters: 3
        case .inputRegisters: 4
        }
    }

    /// Whether an address holds one bit (coils, discrete inputs) rather than a 16-bit word.
    public var isBitSpace: Bool { self == .coils || self == .discreteInputs }

    /// The most items one standard read may ask for (Modbus application protocol v1.1b3, §6.1–6.4).
    public var maxReadCount: Int { isBitSpace ? 2000 : 125 }

    /// Accepts the config spellings: `holding`, `input`, `coil`, `discrete`, and `fc01`…`fc04`.
    public init?(configName: String) {
        switch configName.lowercased() {
        case "holding", "fc03", "3": self = .holdingRegisters
        case "input", "fc04", "4": self = .inputRegisters
        case "coil", "coils", "fc01", "1": self = .coils
        case "discrete", "discrete_input", "fc02", "2": self = .discreteInputs
        default: return nil
        }
    }
}
