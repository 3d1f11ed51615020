import Metering

/// One `[saon.map]` address: `di:0`, `coil:5`, `hr:0`, `ir:3`, or a bit of a register,
/// `hr:7.3` (bit 3 of holding register 7). Addresses are 0-based PDU addresses.
public struct SAONAddress: Sendable, Hashable, CustomStringConvertible {
    public var space: RegisterSpace
    public var address: Int
    /// For a bit of a holding or input register: its index 0…15.
    public var bit: Int?

    public init(space: RegisterSpace, address: Int, bit: Int? = nil) {
        self.space = space
        self.address = address
        self.bit = bit
    }

    /// Parses `di:N`, `coil:N`, `hr:N[.B]`, `ir:N[.B]` (also `discrete:N`, `input:N`, `holding:N`).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let space: RegisterSpace
        switch parts[0].lowercased() {
        case "di", "discrete": space = .discreteInputs
        case "coil", "co": space = .coils
        case "hr", "holding": space = .holdingRegisters
        case "ir", "input": space = .inputRegisters
        default: return nil
        }
        let numbers = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count <= 2, let address = Int(numbers[0]), (0...65535).contains(address) else { return nil }
        var bit: Int?
        if numbers.count == 2 {
            guard !space.isBitSpace, let b = Int(numbers[1]), (0...15).contains(b) else { return nil }
            bit = b
        }
        self.init(space: space, address: address, bit: bit)
    }

    public var description: String {
        let prefix =
            switch space {
            case .discreteInputs: "di"
            case .coils: "coil"
            case .holdingRegisters: "hr"
            case .inputRegisters: "ir"
            }
        return bit.map { "\(prefix):\(address).\($0)" } ?? "\(prefix):\(address)"
    }

    /// The field reading `channel` at this address: a bit for states, a u16 register for
    /// the event counter (or for a state held in a whole register, non-zero meaning set).
    public func field(for channel: ChannelName) -> RegisterField {
        if space.isBitSpace {
            return RegisterField(channel, space: space, address: address, documented: description, type: .bit)
        }
        if let bit {
            return RegisterField(channel, space: space, address: address, documented: description, type: .bit, bit: bit)
        }
        return RegisterField(channel, space: space, address: address, documented: description, type: .u16)
    }
}
