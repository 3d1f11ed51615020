import Testing

@testable import Metering

/// One hand-written register vector: what a device sends for a known value.
struct RegisterVector: Sendable, CustomTestStringConvertible {
    var type: DataType
    var order: WordOrder
    var registers: [UInt16]
    var raw: RawNumber

    init(_ type: DataType, _ order: WordOrder, _ registers: [UInt16], _ raw: RawNumber) {
        self.type = type
        self.order = order
        self.registers = registers
        self.raw = raw
    }

    var testDescription: String {
        "\(type) \(order) " + registers.map { "0x" + String($0, radix: 16, uppercase: true) }.joined(separator: ",")
    }
}

/// Every data type in every word order. Bytes of the value are named A (most significant)
/// to H; the register lists below are those bytes as they arrive on the wire.
let registerVectors: [RegisterVector] = [
    // u16 0x1234 = 4660, and 0xFFFE = 65534 (a large unsigned value, not −2).
    .init(.u16, .abcd, [0x1234], .unsigned(4660)),
    .init(.u16, .cdab, [0x1234], .unsigned(4660)),
    .init(.u16, .badc, [0x3412], .unsigned(4660)),
    .init(.u16, .dcba, [0x3412], .unsigned(4660)),
    .init(.u16, .abcd, [0xFFFE], .unsigned(65534)),
    .init(.u16, .dcba, [0xFEFF], .unsigned(65534)),
    // i16 −12345 = 0xCFC7, +12345 = 0x3039.
    .init(.i16, .abcd, [0xCFC7], .signed(-12345)),
    .init(.i16, .cdab, [0xCFC7], .signed(-12345)),
    .init(.i16, .badc, [0xC7CF], .signed(-12345)),
    .init(.i16, .dcba, [0xC7CF], .signed(-12345)),
    .init(.i16, .abcd, [0x3039], .signed(12345)),
    .init(.i16, .badc, [0x3930], .signed(12345)),
    // u32 0x12345678 = 305419896.
    .init(.u32, .abcd, [0x1234, 0x5678], .unsigned(305_419_896)),
    .init(.u32, .cdab, [0x5678, 0x1234], .unsigned(305_419_896)),
    .init(.u32, .badc, [0x3412, 0x7856], .unsigned(305_419_896)),
    .init(.u32, .dcba, [0x7856, 0x3412], .unsigned(305_419_896)),
    .init(.u32, .abcd, [0xF8A4, 0x32EB], .unsigned(0xF8A4_32EB)),
    // i32 −123456789 = 0xF8A432EB.
    .init(.i32, .abcd, [0xF8A4, 0x32EB], .signed(-123_456_789)),
    .init(.i32, .cdab, [0x32EB, 0xF8A4], .signed(-123_456_789)),
    .init(.i32, .badc, [0xA4F8, 0xEB32], .signed(-123_456_789)),
    .init(.i32, .dcba, [0xEB32, 0xA4F8], .signed(-123_456_789)),
    .init(.i32, .cdab, [0x5678, 0x1234], .signed(305_419_896)),
    // u64 0x0102030405060708 = 72623859790382856.
    .init(.u64, .abcd, [0x0102, 0x0304, 0x0506, 0x0708], .unsigned(72_623_859_790_382_856)),
    .init(.u64, .cdab, [0x0708, 0x0506, 0x0304, 0x0102], .unsigned(72_623_859_790_382_856)),
    .init(.u64, .badc, [0x0201, 0x0403, 0x0605, 0x0807], .unsigned(72_623_859_790_382_856)),
    .init(.u64, .dcba, [0x0807, 0x0605, 0x0403, 0x0201], .unsigned(72_623_859_790_382_856)),
    // i64 −1234567890123456789 = 0xEEDDEF0B82167EEB.
    .init(.i64, .abcd, [0xEEDD, 0xEF0B, 0x8216, 0x7EEB], .signed(-1_234_567_890_123_456_789)),
    .init(.i64, .cdab, [0x7EEB, 0x8216, 0xEF0B, 0xEEDD], .signed(-1_234_567_890_123_456_789)),
    .init(.i64, .badc, [0xDDEE, 0x0BEF, 0x1682, 0xEB7E], .signed(-1_234_567_890_123_456_789)),
    .init(.i64, .dcba, [0xEB7E, 0x1682, 0x0BEF, 0xDDEE], .signed(-1_234_567_890_123_456_789)),
    // f32 230.5 = 0x43668000, −49.75 = 0xC2470000.
    .init(.f32, .abcd, [0x4366, 0x8000], .float(230.5)),
    .init(.f32, .cdab, [0x8000, 0x4366], .float(230.5)),
    .init(.f32, .badc, [0x6643, 0x0080], .float(230.5)),
    .init(.f32, .dcba, [0x0080, 0x6643], .float(230.5)),
    .init(.f32, .abcd, [0xC247, 0x0000], .float(-49.75)),
    .init(.f32, .cdab, [0x0000, 0xC247], .float(-49.75)),
    .init(.f32, .badc, [0x47C2, 0x0000], .float(-49.75)),
    .init(.f32, .dcba, [0x0000, 0x47C2], .float(-49.75)),
    // f64 50.0123 = 0x404901930BE0DED3, −0.875 = 0xBFEC000000000000.
    .init(.f64, .abcd, [0x4049, 0x0193, 0x0BE0, 0xDED3], .float(50.0123)),
    .init(.f64, .cdab, [0xDED3, 0x0BE0, 0x0193, 0x4049], .float(50.0123)),
    .init(.f64, .badc, [0x4940, 0x9301, 0xE00B, 0xD3DE], .float(50.0123)),
    .init(.f64, .dcba, [0xD3DE, 0xE00B, 0x9301, 0x4940], .float(50.0123)),
    .init(.f64, .abcd, [0xBFEC, 0x0000, 0x0000, 0x0000], .float(-0.875)),
    .init(.f64, .cdab, [0x0000, 0x0000, 0x0000, 0xBFEC], .float(-0.875)),
    .init(.f64, .badc, [0xECBF, 0x0000, 0x0000, 0x0000], .float(-0.875)),
    .init(.f64, .dcba, [0x0000, 0x0000, 0x0000, 0xECBF], .float(-0.875)),
    // bit: the register 0x0104 (bits 2 and 8 set); the raw value is the whole register.
    .init(.bit, .abcd, [0x0104], .unsigned(0x0104)),
    .init(.bit, .cdab, [0x0104], .unsigned(0x0104)),
    .init(.bit, .badc, [0x0401], .unsigned(0x0104)),
    .init(.bit, .dcba, [0x0401], .unsigned(0x0104)),
]

@Suite("Decoding hand-written register vectors")
struct RegisterDecodeTests {
    @Test("assembles the raw value", arguments: registerVectors)
    func rawValue(_ v: RegisterVector) {
        #expect(raw(v.registers, v.type, v.order) == v.raw)
    }

    @Test("decodes an instantaneous channel to .number", arguments: registerVectors.filter { $0.type != .bit })
    func numberValue(_ v: RegisterVector) {
        let expected: Double
        switch v.raw {
        case .unsigned(let u): expected = Double(u)
        case .signed(let s): expected = Double(s)
        case .float(let f): expected = f
        }
        #expect(decode(v.registers, field(v.type, v.order, unit: .watt)) == .number(expected))
    }

    @Test("decodes an energy channel to exact integer Wh", arguments: registerVectors.filter { !$0.type.isFloat && $0.type != .bit })
    func energyValue(_ v: RegisterVector) {
        let expected: Int64
        switch v.raw {
        case .unsigned(let u): expected = Int64(u)
        case .signed(let s): expected = s
        case .float: return
        }
        let f = field(v.type, v.order, kind: .energyImport, unit: .wattHour)
        #expect(decode(v.registers, f) == .energy(expected))
    }

    @Test("the writer produces exactly the hand-written registers", arguments: registerVectors.filter { $0.type != .bit })
    func encodeMatches(_ v: RegisterVector) {
        var registers = [UInt16](repeating: 0, count: v.type.registerCount)
        registers.withUnsafeMutableBufferPointer {
            RegisterCodec.spread(
                RegisterCodec.bits(of: v.raw, as: v.type), into: $0, offset: 0, count: v.type.registerCount,
                order: v.order)
        }
        #expect(registers == v.registers)
    }

    @Test("bit fields pick one bit of the register, after byte order", arguments: WordOrder.allCases)
    func bits(_ order: WordOrder) {
        let registers: [UInt16] = order.bytesSwapped ? [0x0401] : [0x0104]
        for bit in 0..<16 {
            let expected: Double = bit == 2 || bit == 8 ? 1 : 0
            #expect(decode(registers, field(.bit, order, kind: .saonArmed, unit: .none, bit: bit)) == .number(expected))
        }
    }

    @Test func bitFromCoilsAndDiscreteInputs() {
        let f = RegisterField(ChannelName(.saonArmed), space: .discreteInputs, address: 3, type: .bit)
        let bits: [UInt8] = [0, 1, 0, 1, 0]
        #expect(bits.withUnsafeBufferPointer { f.decode(bits: $0, windowStart: 0) } == .number(1))
        #expect(bits.withUnsafeBufferPointer { f.decode(bits: $0, windowStart: 1) } == .number(0))
    }

    @Test func fieldInsideALargerWindow() {
        // A window read from PDU 100; the u32 CDAB field sits at 102.
        let window: [UInt16] = [0xAAAA, 0xBBBB, 0x5678, 0x1234, 0xCCCC]
        let f = RegisterField(
            ChannelName(.powerTotal), space: .inputRegisters, address: 102, type: .u32, order: .cdab, unit: .watt)
        #expect(window.withUnsafeBufferPointer { f.decode(registers: $0, windowStart: 100) } == .number(305_419_896))
    }
}

@Suite("Sentinels and NaN decode to .missing, never 0")
struct SentinelTests {
    @Test func unsignedAllOnes() {
        let u32 = field(.u32, kind: .voltageL1, unit: .volt, sentinels: [0xFFFF_FFFF])
        #expect(decode([0xFFFF, 0xFFFF], u32) == .missing)
        #expect(decode([0xFFFF, 0xFFFE], u32) == .number(4_294_967_294))
        // Without a configured sentinel all-FF is a value.
        #expect(decode([0xFFFF, 0xFFFF], field(.u32, unit: .volt)) == .number(4_294_967_295))
    }

    @Test func abbInvalidValues() {
        let abb = DeviceProfile.abbB2x
        let energy = abb.field(ChannelName(.energyImport))!
        #expect(decode([0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF], energy) == .missing)
        let power = abb.field(ChannelName(.powerTotal))!
        #expect(decode([0x7FFF, 0xFFFF], power) == .missing)
        #expect(decode([0xFFFF, 0xFFFF], power) == .number(-0.01))
        let frequency = abb.field(ChannelName(.frequency))!
        #expect(decode([0xFFFF], frequency) == .missing)
        let pf = abb.field(ChannelName(.powerFactor))!
        #expect(decode([0x7FFF], pf) == .missing)
        #expect(decode([0xFC18], pf) == .number(-1))
    }

    @Test func schneiderInt64NotAvailable() {
        let energy = DeviceProfile.iem3000.field(ChannelName(.energyExport))!
        #expect(decode([0x8000, 0x0000, 0x0000, 0x0000], energy) == .missing)
        #expect(decode([0x0000, 0x0000, 0x0001, 0xE240], energy) == .energy(123_456))
    }

    @Test("f32 NaN of any payload is missing, with or without a sentinel", arguments: [
        [UInt16(0x7FC0), 0x0000], [0xFFC0, 0x0000], [0x7F80, 0x0001], [0x7FFF, 0xFFFF],
    ])
    func float32NaN(_ registers: [UInt16]) {
        #expect(decode(registers, field(.f32, kind: .voltageL1, unit: .volt)) == .missing)
        #expect(decode(registers, DeviceProfile.sdm630.field(ChannelName(.voltageL1))!) == .missing)
    }

    @Test func float64NaN() {
        #expect(decode([0x7FF8, 0, 0, 0], field(.f64, kind: .frequency, unit: .hertz)) == .missing)
        #expect(decode([0xFFF0, 0, 0, 1], field(.f64, kind: .frequency, unit: .hertz)) == .missing)
    }

    @Test("NaN in a floating-point energy register is missing, not 0 Wh")
    func energyNaN() {
        #expect(decode([0x7FC0, 0x0000], DeviceProfile.sdm630.field(ChannelName(.energyImport))!) == .missing)
        #expect(decode([0x7FC0, 0x0000], DeviceProfile.umg96rme.field(ChannelName(.energyImport))!) == .missing)
        #expect(decode([0x7FF8, 0, 0, 0], DeviceProfile.pac3200.field(ChannelName(.energyExport))!) == .missing)
        #expect(decode([0x7FF0, 0, 0, 0], DeviceProfile.pac3200.field(ChannelName(.energyExport))!) == .missing)
        #expect(decode([0x7F80, 0x0000], field(.f32, kind: .energyImport, unit: .kilowattHour)) == .missing)
    }

    @Test func missingEncodesTheFirstSentinel() {
        let abb = DeviceProfile.abbB2x
        #expect(encode(.missing, abb.field(ChannelName(.energyImport))!) == [0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF])
        #expect(encode(.missing, abb.field(ChannelName(.powerL1))!) == [0x7FFF, 0xFFFF])
        #expect(encode(.missing, field(.f32, kind: .voltageL1, unit: .volt)) == [0x7FC0, 0x0000])
        #expect(encode(.missing, field(.u16, unit: .volt)) == [0xFFFF])
    }
}

@Suite("Scales and units")
struct ScaleTests {
    @Test func powerOfTenScales() {
        // EM24: int32 CDAB ÷10 V; 2301 decodes to the double nearest 230.1, like the literal.
        let v = DeviceProfile.em24e1.field(ChannelName(.voltageL1))!
        #expect(decode([0x08FD, 0x0000], v) == .number(230.1))
        #expect(decode([0x0901, 0x0000], v) == .number(230.5))
        // ÷10 W, negative (export).
        let p = DeviceProfile.em24e1.field(ChannelName(.powerTotal))!
        #expect(decode([0xCFC7, 0xFFFF], p) == .number(-1234.5))
        // ÷1000 A and ÷1000 power factor (int16).
        let a = DeviceProfile.em24e1.field(ChannelName(.currentL1))!
        #expect(decode([0x3039, 0x0000], a) == .number(12.345))
        let pf = DeviceProfile.em24e1.field(ChannelName(.powerFactor))!
        #expect(decode([0xFC7C], pf) == .number(-0.9))
        // ABB ÷100 Hz on a u16.
        let hz = DeviceProfile.abbB2x.field(ChannelName(.frequency))!
        #expect(decode([0x1389], hz) == .number(50.01))
        // ×100 on an integer register.
        #expect(decode([0x0017], field(.u16, scale: .powerOfTen(2))) == .number(2300))
    }

    @Test func multiplierScales() {
        #expect(Scale(factor: 0.5) == .multiplier(0.5))
        #expect(Scale(factor: 0.01) == .powerOfTen(-2))
        #expect(Scale(factor: 1000) == .powerOfTen(3))
        #expect(decode([0x01CD], field(.u16, scale: .multiplier(0.5), unit: .volt)) == .number(230.5))
        #expect(decode([0xFFFD], field(.i16, scale: .multiplier(0.3), unit: .ampere)) == .number(-0.9))
        #expect(decode([0x0003], field(.u16, scale: .multiplier(0.3), unit: .ampere)) == .number(0.9))
        #expect(decode([0x4366, 0x8000], field(.f32, scale: .multiplier(2), unit: .volt)) == .number(461))
    }

    @Test func kilowattsToWatts() {
        let p = DeviceProfile.iem3000.field(ChannelName(.powerTotal))!
        #expect(decode([0x4148, 0x0000], p) == .number(12_500))  // f32 12.5 kW
        #expect(decode([0xC148, 0x0000], p) == .number(-12_500))
    }

    @Test("ABB u64 ÷100 kWh: raw 123456789 is 1234567.89 kWh = 1234567890 Wh, exactly")
    func abbEnergy() {
        let e = DeviceProfile.abbB2x.field(ChannelName(.energyImport))!
        // 123456789 = 0x075BCD15
        #expect(decode([0x0000, 0x0000, 0x075B, 0xCD15], e) == .energy(1_234_567_890))
        // A counter near the top of the u64 range that still fits Int64 after ×10.
        #expect(decode([0x0CCC, 0xCCCC, 0xCCCC, 0xCCCC], e) == .energy(9_223_372_036_854_775_800))
    }

    @Test("EM24 int32 CDAB ÷10 kWh: raw 123456 is 12345.6 kWh = 12345600 Wh")
    func em24Energy() {
        let e = DeviceProfile.em24e1.field(ChannelName(.energyImport))!
        // 123456 = 0x0001E240, least significant word first.
        #expect(decode([0xE240, 0x0001], e) == .energy(12_345_600))
        #expect(decode([0xFFFB, 0xFFFF], e) == .energy(-500))
    }

    @Test func floatEnergy() {
        // SDM630 f32 kWh: 1234.5 kWh = 0x449A5000.
        #expect(decode([0x449A, 0x5000], DeviceProfile.sdm630.field(ChannelName(.energyImport))!) == .energy(1_234_500))
        // f32 1234.567 kWh is 1234.5670166015625 kWh: rounded to the nearest Wh.
        #expect(decode([0x449A, 0x5225], DeviceProfile.sdm630.field(ChannelName(.energyImport))!) == .energy(1_234_567))
        // PAC3200 f64 Wh: 9876543.0 = 0x4162D687E0000000.
        #expect(decode([0x4162, 0xD687, 0xE000, 0x0000], DeviceProfile.pac3200.field(ChannelName(.energyImport))!)
            == .energy(9_876_543))
        // Out-of-range float energy is missing, not a wrapped or clamped number.
        #expect(decode([0x7F7F, 0xFFFF], field(.f32, kind: .energyImport, unit: .kilowattHour)) == .missing)
    }

    @Test("MWh and Wh with a sub-Wh resolution")
    func energyUnits() {
        // u32 ÷1000 MWh = 1 kWh steps.
        #expect(decode([0x0000, 0x3039], field(.u32, kind: .energyImport, scale: .powerOfTen(-3), unit: .megawattHour))
            == .energy(12_345_000))
        // u32 ÷10 Wh: truncated toward zero to the Wh.
        #expect(decode([0x0000, 0x3039], field(.u32, kind: .energyImport, scale: .powerOfTen(-1), unit: .wattHour))
            == .energy(1234))
        #expect(decode([0xFFFF, 0xCFC7], field(.i32, kind: .energyImport, scale: .powerOfTen(-1), unit: .wattHour))
            == .energy(-1234))
    }

    @Test("multiplier energy is exact for decimal multipliers (0.3 kWh steps)")
    func multiplierEnergy() {
        let f = field(.u32, kind: .energyImport, scale: .multiplier(0.3), unit: .kilowattHour)
        // 3 × 0.3 kWh is 900 Wh; floating point gives 899.999…
        #expect(decode([0x0000, 0x0003], f) == .energy(900))
        #expect(decode([0x0000, 0x0006], f) == .energy(1800))
        let g = field(.u32, kind: .energyImport, scale: .multiplier(0.001), unit: .kilowattHour)
        #expect(decode([0x0000, 0x0FA7], g) == .energy(4007))
    }
}
