@testable import Metering

/// Builds a field at address 0 for decoding hand-written register vectors.
func field(
    _ type: DataType, _ order: WordOrder = .abcd, kind: ChannelKind = .powerTotal, scale: Scale = .one,
    unit: MeasurementUnit = .watt, bit: Int = 0, sentinels: [UInt64] = []
) -> RegisterField {
    RegisterField(
        ChannelName(kind), space: .holdingRegisters, address: 0, type: type, order: order, scale: scale, unit: unit,
        bit: bit, sentinels: sentinels)
}

/// Decodes `field` from registers read at the field's own address.
func decode(_ registers: [UInt16], _ field: RegisterField) -> SampleValue {
    registers.withUnsafeBufferPointer { field.decode(registers: $0, windowStart: field.address) }
}

/// The raw value the registers hold in `type` and `order`.
func raw(_ registers: [UInt16], _ type: DataType, _ order: WordOrder) -> RawNumber {
    registers.withUnsafeBufferPointer {
        RegisterCodec.interpret(
            bits: RegisterCodec.assemble($0, offset: 0, count: type.registerCount, order: order), as: type)
    }
}

/// The register image `field.write(value)` produces.
func encode(_ value: SampleValue, _ field: RegisterField) -> [UInt16] {
    var registers = [UInt16](repeating: 0, count: field.type.registerCount)
    registers.withUnsafeMutableBufferPointer { field.write(value, into: $0, imageStart: field.address) }
    return registers
}

/// Bit-exact comparison (`.number(.nan)` is not `==` to itself).
func sameBits(_ a: SampleValue, _ b: SampleValue) -> Bool {
    switch (a, b) {
    case (.number(let x), .number(let y)): x.bitPattern == y.bitPattern
    case (.energy(let x), .energy(let y)): x == y
    case (.missing, .missing): true
    default: false
    }
}
