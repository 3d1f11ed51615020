import PropertyBased
import Testing

@testable import Metering

/// Random values through the register writer and back, for every data type in every word order.
@Suite("Register round trips (property-based)")
struct RegisterPropertyTests {
    static let numericTypes = DataType.allCases.filter { $0 != .bit }

    /// Uniform 64-bit values rarely hit the edges; mix in the boundaries and small numbers.
    static let bits64 = Generator<UInt64, Shrink.None<UInt64>>(run: { rng in
        let edges: [UInt64] = [.max, 0, 1, 0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF, 0x8000_0000]
        switch rng.next() % 4 {
        case 0: return rng.next() & 0xFFFF
        case 1: return edges[Int(rng.next() % UInt64(edges.count))]
        default: return rng.next()
        }
    })

    @Test("assemble(spread(bits)) == bits", arguments: numericTypes, WordOrder.allCases)
    func assembleInvertsSpread(_ type: DataType, _ order: WordOrder) async {
        let count = type.registerCount
        let mask: UInt64 = count == 4 ? .max : (1 << UInt64(16 * count)) - 1
        await propertyCheck(input: Self.bits64) { bits in
            var registers = [UInt16](repeating: 0xDEAD, count: count + 2)
            registers.withUnsafeMutableBufferPointer {
                RegisterCodec.spread(bits, into: $0, offset: 1, count: count, order: order)
            }
            #expect(registers.first == 0xDEAD && registers.last == 0xDEAD, "spread wrote outside its registers")
            let back = registers.withUnsafeBufferPointer {
                RegisterCodec.assemble($0, offset: 1, count: count, order: order)
            }
            #expect(back == bits & mask)
        }
    }

    @Test("spread(assemble(registers)) == registers", arguments: [1, 2, 4], WordOrder.allCases)
    func spreadInvertsAssemble(_ count: Int, _ order: WordOrder) async {
        await propertyCheck(input: Gen.uint16().array(of: count)) { registers in
            let bits = registers.withUnsafeBufferPointer {
                RegisterCodec.assemble($0, offset: 0, count: count, order: order)
            }
            var back = [UInt16](repeating: 0, count: count)
            back.withUnsafeMutableBufferPointer {
                RegisterCodec.spread(bits, into: $0, offset: 0, count: count, order: order)
            }
            #expect(back == registers)
        }
    }

    @Test("integer raw values round-trip exactly", arguments: numericTypes.filter { !$0.isFloat }, WordOrder.allCases)
    func integerRaw(_ type: DataType, _ order: WordOrder) async {
        await propertyCheck(input: Self.bits64) { random in
            let value: RawNumber
            switch type {
            case .u16: value = .unsigned(random & 0xFFFF)
            case .u32: value = .unsigned(random & 0xFFFF_FFFF)
            case .u64: value = .unsigned(random)
            case .i16: value = .signed(Int64(Int16(truncatingIfNeeded: random)))
            case .i32: value = .signed(Int64(Int32(truncatingIfNeeded: random)))
            default: value = .signed(Int64(bitPattern: random))
            }
            var registers = [UInt16](repeating: 0, count: type.registerCount)
            registers.withUnsafeMutableBufferPointer {
                RegisterCodec.spread(
                    RegisterCodec.bits(of: value, as: type), into: $0, offset: 0, count: type.registerCount, order: order)
            }
            #expect(raw(registers, type, order) == value)
        }
    }

    @Test("integer channels: decode(encode(.number(x))) == x", arguments: numericTypes.filter { !$0.isFloat }, WordOrder.allCases)
    func integerNumbers(_ type: DataType, _ order: WordOrder) async {
        // Doubles hold integers exactly up to 2^53.
        let range: ClosedRange<Int64> =
            switch type {
            case .u16: 0...0xFFFF
            case .i16: -0x8000...0x7FFF
            case .u32: 0...0xFFFF_FFFF
            case .i32: -0x8000_0000...0x7FFF_FFFF
            case .u64: 0...(1 << 53)
            default: -(1 << 53)...(1 << 53)
            }
        let f = field(type, order, kind: .powerTotal, unit: .watt)
        await propertyCheck(input: Gen.int64(in: range)) { x in
            #expect(decode(encode(.number(Double(x)), f), f) == .number(Double(x)))
        }
    }

    @Test("energy channels: decode(encode(.energy(wh))) == wh for the full range of the type", arguments: numericTypes.filter { !$0.isFloat }, WordOrder.allCases)
    func integerEnergy(_ type: DataType, _ order: WordOrder) async {
        let range: ClosedRange<Int64> =
            switch type {
            case .u16: 0...0xFFFF
            case .i16: -0x8000...0x7FFF
            case .u32: 0...0xFFFF_FFFF
            case .i32: -0x8000_0000...0x7FFF_FFFF
            case .u64: 0...Int64.max
            default: Int64.min...Int64.max
            }
        let f = field(type, order, kind: .energyImport, unit: .wattHour)
        await propertyCheck(input: Gen.int64(in: range)) { wh in
            #expect(decode(encode(.energy(wh), f), f) == .energy(wh))
        }
    }

    @Test("f32 bit patterns: finite values round-trip exactly, NaN is missing", arguments: WordOrder.allCases)
    func float32(_ order: WordOrder) async {
        let f = field(.f32, order, kind: .voltageL1, unit: .volt)
        await propertyCheck(input: Gen.uint32()) { pattern in
            let value = Float(bitPattern: pattern)
            var registers = [UInt16](repeating: 0, count: 2)
            registers.withUnsafeMutableBufferPointer {
                RegisterCodec.spread(UInt64(pattern), into: $0, offset: 0, count: 2, order: order)
            }
            let decoded = decode(registers, f)
            if value.isNaN {
                #expect(decoded == .missing)
            } else {
                #expect(decoded == .number(Double(value)))
                #expect(encode(decoded, f) == registers)
            }
        }
    }

    @Test("f64 bit patterns: finite values round-trip exactly, NaN is missing", arguments: WordOrder.allCases)
    func float64(_ order: WordOrder) async {
        let f = field(.f64, order, kind: .frequency, unit: .hertz)
        await propertyCheck(input: Self.bits64) { pattern in
            let value = Double(bitPattern: pattern)
            var registers = [UInt16](repeating: 0, count: 4)
            registers.withUnsafeMutableBufferPointer {
                RegisterCodec.spread(pattern, into: $0, offset: 0, count: 4, order: order)
            }
            let decoded = decode(registers, f)
            if value.isNaN {
                #expect(decoded == .missing)
            } else {
                #expect(sameBits(decoded, .number(value)))
                #expect(encode(decoded, f) == registers)
            }
        }
    }

    @Test("÷10^k integer registers decode to the double nearest the decimal", arguments: 1...6)
    func decimalScaling(_ k: Int) async {
        let f = field(.i32, .abcd, kind: .voltageL1, scale: .powerOfTen(-k), unit: .volt)
        await propertyCheck(input: Gen.int32()) { raw in
            let registers = [UInt16(truncatingIfNeeded: raw >> 16), UInt16(truncatingIfNeeded: raw)]
            let expected = Double("\(raw)e-\(k)")!  // correctly rounded decimal parse
            #expect(decode(registers, f) == .number(expected))
        }
    }

    /// An energy register configuration and its resolution, `numerator / denominator` Wh per raw step.
    struct EnergyRegister: Sendable, CustomTestStringConvertible {
        var type: DataType
        var scale: Scale
        var unit: MeasurementUnit
        var numerator: Int64
        var denominator: Int64
        /// Energies whose raw value fits the type.
        var range: ClosedRange<Int64>

        var testDescription: String { "\(type) \(scale) \(unit.rawValue) (\(numerator)/\(denominator) Wh per step)" }
    }

    static let energyRegisters: [EnergyRegister] = [
        // ABB B2x: u64 ÷100 kWh, 10 Wh steps.
        .init(type: .u64, scale: .powerOfTen(-2), unit: .kilowattHour, numerator: 10, denominator: 1, range: 0...Int64.max),
        // EM24: i32 ÷10 kWh, 100 Wh steps.
        .init(
            type: .i32, scale: .powerOfTen(-1), unit: .kilowattHour, numerator: 100, denominator: 1,
            range: -214_748_364_800...214_748_364_700),
        .init(type: .u32, scale: .powerOfTen(-1), unit: .kilowattHour, numerator: 100, denominator: 1, range: 0...429_496_729_500),
        // iEM3000: i64 Wh.
        .init(type: .i64, scale: .one, unit: .wattHour, numerator: 1, denominator: 1, range: Int64.min...Int64.max),
        .init(type: .u16, scale: .one, unit: .kilowattHour, numerator: 1000, denominator: 1, range: 0...65_535_999),
        .init(type: .u32, scale: .powerOfTen(-3), unit: .megawattHour, numerator: 1000, denominator: 1, range: 0...4_294_967_295_999),
        .init(type: .u32, scale: .powerOfTen(1), unit: .kilowattHour, numerator: 10_000, denominator: 1, range: 0...42_949_672_959_999),
        // Sub-Wh resolution: ÷10 Wh and ×0.5 Wh hold every integer Wh exactly.
        .init(type: .i32, scale: .powerOfTen(-1), unit: .wattHour, numerator: 1, denominator: 10, range: -214_748_364...214_748_364),
        .init(type: .i32, scale: .multiplier(0.5), unit: .wattHour, numerator: 1, denominator: 2, range: -1_073_741_824...1_073_741_823),
        // Decimal multipliers.
        .init(type: .u32, scale: .multiplier(0.3), unit: .kilowattHour, numerator: 300, denominator: 1, range: 0...1_288_490_188_500),
        .init(type: .u32, scale: .multiplier(0.07), unit: .kilowattHour, numerator: 70, denominator: 1, range: 0...300_647_710_650),
        .init(type: .u32, scale: .multiplier(1.6), unit: .kilowattHour, numerator: 1600, denominator: 1, range: 0...6_871_947_672_000),
        .init(type: .u32, scale: .multiplier(0.001), unit: .kilowattHour, numerator: 1, denominator: 1, range: 0...4_294_967_295),
        .init(type: .i64, scale: .multiplier(0.04), unit: .kilowattHour, numerator: 40, denominator: 1, range: -(1 << 62)...(1 << 62)),
        // Coarser than a Wh but not a whole number of Wh: 0.3 Wh and 2.5 Wh steps.
        .init(type: .u32, scale: .multiplier(0.3), unit: .wattHour, numerator: 3, denominator: 10, range: 0...1_288_490_188),
        .init(type: .u32, scale: .multiplier(2.5), unit: .wattHour, numerator: 5, denominator: 2, range: 0...10_737_418_237),
    ]

    @Test("decode(encode(wh)) is wh truncated to the register resolution", arguments: energyRegisters, WordOrder.allCases)
    func energyTruncation(_ r: EnergyRegister, _ order: WordOrder) async {
        let f = field(r.type, order, kind: .energyImport, scale: r.scale, unit: r.unit)
        await propertyCheck(input: Gen.int64(in: r.range)) { wh in
            // Exact rational arithmetic: the whole steps below wh, in Wh, truncated toward zero.
            let steps = wh.multipliedFullWidth(by: r.denominator)
            let rawSteps = r.denominator == 1 ? wh / r.numerator : r.numerator.dividingFullWidth(steps).quotient
            let expected = r.denominator == 1 ? rawSteps * r.numerator : rawSteps * r.numerator / r.denominator
            #expect(decode(encode(.energy(wh), f), f) == .energy(expected), "wh \(wh)")
        }
    }

    @Test("floating-point energy registers: within half a float step of wh", arguments: WordOrder.allCases)
    func floatEnergy(_ order: WordOrder) async {
        let f64 = field(.f64, order, kind: .energyImport, unit: .wattHour)
        let f32wh = field(.f32, order, kind: .energyImport, unit: .wattHour)
        let f32kwh = field(.f32, order, kind: .energyImport, unit: .kilowattHour)
        await propertyCheck(input: Gen.int64(in: -(1 << 53)...(1 << 53))) { wh in
            #expect(decode(encode(.energy(wh), f64), f64) == .energy(wh))
            let small = wh >> 29  // |small| ≤ 2^24: exact in a float32
            #expect(decode(encode(.energy(small), f32wh), f32wh) == .energy(small))
            let kwh = Float(Double(wh) / 1000)
            let bound = Int64((Double(kwh.ulp) * 1000 / 2).rounded(.up)) + 1
            guard case .energy(let back) = decode(encode(.energy(wh), f32kwh), f32kwh) else {
                Issue.record("f32 kWh energy decoded to a non-energy value")
                return
            }
            #expect(abs(back - wh) <= bound, "wh \(wh) back \(back)")
        }
    }
}

extension Scale: CustomTestStringConvertible {
    public var testDescription: String {
        switch self {
        case .powerOfTen(let e): "×10^\(e)"
        case .multiplier(let f): "×\(f)"
        }
    }
}
