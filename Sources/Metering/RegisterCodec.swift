/// Bit-level assembly of values from 16-bit registers, and the reverse (used by the
/// simulator and by round-trip tests). No allocation.
public enum RegisterCodec {
    /// Assembles `count` registers (1, 2 or 4) at `offset` into the value's bits, most
    /// significant byte first, undoing the given word/byte order.
    @inlinable
    public static func assemble(
        _ registers: UnsafeBufferPointer<UInt16>, offset: Int, count: Int, order: WordOrder
    ) -> UInt64 {
        var bits: UInt64 = 0
        for i in 0..<count {
            let index = order.wordsReversed ? offset + count - 1 - i : offset + i
            var word = registers[index]
            if order.bytesSwapped { word = word.byteSwapped }
            bits = (bits << 16) | UInt64(word)
        }
        return bits
    }

    /// Spreads a value's bits over `count` registers at `offset` in the given order.
    @inlinable
    public static func spread(
        _ bits: UInt64, into registers: UnsafeMutableBufferPointer<UInt16>, offset: Int, count: Int, order: WordOrder
    ) {
        for i in 0..<count {
            let shift = UInt64(16 * (count - 1 - i))
            var word = UInt16(truncatingIfNeeded: bits >> shift)
            if order.bytesSwapped { word = word.byteSwapped }
            let index = order.wordsReversed ? offset + count - 1 - i : offset + i
            registers[index] = word
        }
    }

    /// Interprets assembled bits as the given type.
    @inlinable
    public static func interpret(bits: UInt64, as type: DataType) -> RawNumber {
        switch type {
        case .u16, .u32, .u64, .bit: .unsigned(bits)
        case .i16: .signed(Int64(Int16(truncatingIfNeeded: bits)))
        case .i32: .signed(Int64(Int32(truncatingIfNeeded: bits)))
        case .i64: .signed(Int64(bitPattern: bits))
        case .f32: .float(Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))))
        case .f64: .float(Double(bitPattern: bits))
        }
    }

    /// The bits that represent `raw` in the given type (truncating integers to the width).
    @inlinable
    public static func bits(of raw: RawNumber, as type: DataType) -> UInt64 {
        let mask: UInt64 = type.bitWidth >= 64 ? .max : (UInt64(1) << UInt64(type.bitWidth)) - 1
        switch (raw, type) {
        case (.float(let f), .f32): return UInt64(Float(f).bitPattern)
        case (.float(let f), .f64): return f.bitPattern
        case (.float(let f), _): return UInt64(bitPattern: Int64(f.rounded())) & mask
        case (.unsigned(let u), .f32): return UInt64(Float(u).bitPattern)
        case (.unsigned(let u), .f64): return Double(u).bitPattern
        case (.signed(let s), .f32): return UInt64(Float(s).bitPattern)
        case (.signed(let s), .f64): return Double(s).bitPattern
        case (.unsigned(let u), _): return u & mask
        case (.signed(let s), _): return UInt64(bitPattern: s) & mask
        }
    }

    /// Converts a raw energy register value to integer watt-hours.
    ///
    /// Integer registers with a power-of-ten scale are converted exactly (e.g. `u64 ÷100 kWh`
    /// = raw × 10 Wh); a resolution finer than 1 Wh is truncated toward zero, which keeps
    /// counter differences exact to the Wh. Floating-point registers are rounded to the
    /// nearest Wh (their own resolution is the meter's limit: a float32 in kWh resolves
    /// 62.5 Wh at 800 MWh).
    @inlinable
    public static func watthours(_ raw: RawNumber, scale: Scale, unit: MeasurementUnit) -> Int64 {
        let unitExp = unit.exponentToCanonical
        switch (raw, scale) {
        case (.unsigned(let u), .powerOfTen(let e)):
            return applyPow10(Int64(truncatingIfNeeded: u), e + unitExp)
        case (.signed(let s), .powerOfTen(let e)):
            return applyPow10(s, e + unitExp)
        case (.unsigned(let u), .multiplier(let f)):
            return Int64((Double(u) * f * Scale.pow10(unitExp)).rounded(.down))
        case (.signed(let s), .multiplier(let f)):
            return Int64((Double(s) * f * Scale.pow10(unitExp)).rounded(.towardZero))
        case (.float(let f), _):
            let wh = f * scale.factor * Scale.pow10(unitExp)
            guard wh.isFinite, abs(wh) < 9.0e18 else { return 0 }
            return Int64(wh.rounded())
        }
    }

    @usableFromInline
    static func applyPow10(_ value: Int64, _ exponent: Int) -> Int64 {
        var v = value
        if exponent >= 0 {
            for _ in 0..<exponent { v = v &* 10 }
        } else {
            var d: Int64 = 1
            for _ in 0..<(-exponent) { d *= 10 }
            v /= d
        }
        return v
    }
}
