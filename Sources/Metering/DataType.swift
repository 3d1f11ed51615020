/// How the bits of a value are laid out in one or more 16-bit registers.
public enum DataType: String, Sendable, Hashable, CaseIterable, Codable {
    case u16, i16, u32, i32, u64, i64, f32, f64
    /// One bit of a 16-bit register (its index is ``RegisterField/bit``), or one coil / discrete input.
    case bit

    /// Registers the value spans.
    public var registerCount: Int {
        switch self {
        case .u16, .i16, .bit: 1
        case .u32, .i32, .f32: 2
        case .u64, .i64, .f64: 4
        }
    }

    /// Width of the value in bits.
    public var bitWidth: Int { self == .bit ? 1 : registerCount * 16 }

    public var isFloat: Bool { self == .f32 || self == .f64 }
    public var isSigned: Bool { self == .i16 || self == .i32 || self == .i64 }
}

/// Order of bytes across the registers of a multi-register value.
///
/// Letters name the bytes of the value from most to least significant (`A` first),
/// in the order they appear on the wire. For 64-bit values the pattern extends
/// naturally: `cdab` reverses the order of the words, `badc` swaps the bytes inside
/// each word, `dcba` does both (fully little-endian).
public enum WordOrder: String, Sendable, Hashable, CaseIterable, Codable {
    /// Big-endian words in big-endian order (the Modbus default).
    case abcd
    /// Word-swapped: least significant word first.
    case cdab
    /// Byte-swapped inside each word, words big-endian.
    case badc
    /// Fully little-endian.
    case dcba

    /// Whether the least significant register comes first.
    public var wordsReversed: Bool { self == .cdab || self == .dcba }
    /// Whether the two bytes inside every register are swapped.
    public var bytesSwapped: Bool { self == .badc || self == .dcba }
}
