/// One channel's location and encoding in a device's register map.
public struct RegisterField: Sendable, Hashable {
    /// Which channel the field feeds.
    public var channel: ChannelName
    /// The Modbus table (function code) the field is read from.
    public var space: RegisterSpace
    /// 0-based PDU address of the first register (or bit).
    public var address: Int
    /// The register number as the vendor's documentation prints it (e.g. `30073`, `3205`,
    /// `0x0048`), kept beside ``address`` so an off-by-one is visible in review.
    public var documentedRegister: String
    public var type: DataType
    public var order: WordOrder
    public var scale: Scale
    /// The unit of the scaled value.
    public var unit: MeasurementUnit
    /// For `.bit` in a 16-bit register: the bit index 0…15.
    public var bit: Int
    /// Raw bit patterns that mean "not available" (compared with the assembled raw value
    /// before scaling). NaN always decodes to missing for floating-point types.
    public var sentinels: [UInt64]

    public init(
        _ channel: ChannelName, space: RegisterSpace, address: Int, documented: String? = nil,
        type: DataType, order: WordOrder = .abcd, scale: Scale = .one, unit: MeasurementUnit = .none,
        bit: Int = 0, sentinels: [UInt64] = []
    ) {
        self.channel = channel
        self.space = space
        self.address = address
        self.documentedRegister = documented ?? String(address)
        self.type = type
        self.order = order
        self.scale = scale
        self.unit = unit
        self.bit = bit
        self.sentinels = sentinels
    }

    /// Number of addresses the field occupies (registers, or 1 for a coil/discrete input).
    public var width: Int { space.isBitSpace ? 1 : type.registerCount }

    /// The last address the field occupies.
    public var lastAddress: Int { address + width - 1 }

    /// The all-ones pattern of this field's width, the usual "not available" sentinel.
    public var allOnes: UInt64 { type.bitWidth >= 64 ? UInt64.max : (UInt64(1) << UInt64(type.bitWidth)) - 1 }
}

/// A raw number assembled from registers, before scaling.
public enum RawNumber: Sendable, Hashable {
    case unsigned(UInt64)
    case signed(Int64)
    case float(Double)
}

extension RegisterField {
    /// Decodes this field from a window of registers read starting at `windowStart`.
    ///
    /// - Parameters:
    ///   - registers: the registers of one read, as libmodbus returns them (host-order words).
    ///   - windowStart: the PDU address of `registers[0]`.
    /// - Returns: the value in the channel's canonical unit; cumulative energy as integer Wh.
    /// - Precondition: the field lies inside the window (the read plan guarantees it).
    @inlinable
    public func decode(registers: UnsafeBufferPointer<UInt16>, windowStart: Int) -> SampleValue {
        let offset = address - windowStart
        precondition(offset >= 0 && offset + type.registerCount <= registers.count, "field outside read window")
        let bits = RegisterCodec.assemble(registers, offset: offset, count: type.registerCount, order: order)
        if type == .bit {
            return .number(Double((bits >> UInt64(bit)) & 1))
        }
        if sentinels.contains(bits) { return .missing }
        return scaled(RegisterCodec.interpret(bits: bits, as: type))
    }

    /// Decodes a coil or discrete-input field from one bit read (libmodbus: one byte per bit).
    @inlinable
    public func decode(bits: UnsafeBufferPointer<UInt8>, windowStart: Int) -> SampleValue {
        let offset = address - windowStart
        precondition(offset >= 0 && offset < bits.count, "field outside read window")
        return .number(bits[offset] != 0 ? 1 : 0)
    }

    /// Applies the scale and unit: exact integer arithmetic for integer energy registers,
    /// decimal-exact doubles for scaled integer registers. A NaN float is missing; so is a
    /// floating-point energy register that is infinite or beyond the Int64 Wh range (never 0).
    @inlinable
    public func scaled(_ raw: RawNumber) -> SampleValue {
        let exponent = unit.exponentToCanonical
        if channel.kind.isCumulativeEnergy {
            if case .float(let f) = raw {
                let wh = f * scale.factor * Scale.pow10(exponent)
                guard wh.isFinite, abs(wh) < 9.0e18 else { return .missing }
            }
            // A value that does not fit Int64 Wh is no reading a meter can hold: missing, never wrapped.
            guard let wh = RegisterCodec.checkedWatthours(raw, scale: scale, unit: unit) else { return .missing }
            return .energy(wh)
        }
        switch raw {
        case .unsigned(let u) where u <= UInt64(Int64.max):
            return .number(RegisterCodec.scaled(Int64(u), by: scale, unitExponent: exponent))
        case .unsigned(let u):
            return .number(Double(u) * scale.factor * Scale.pow10(exponent))
        case .signed(let s):
            return .number(RegisterCodec.scaled(s, by: scale, unitExponent: exponent))
        case .float(let f):
            return f.isNaN ? .missing : .number(f * scale.factor * Scale.pow10(exponent))
        }
    }
}
