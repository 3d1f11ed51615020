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

    /// The bits that represent `raw` in the given type (truncating integers to the width; a
    /// float stored in an integer type is rounded, saturating).
    @inlinable
    public static func bits(of raw: RawNumber, as type: DataType) -> UInt64 {
        let mask: UInt64 = type.bitWidth >= 64 ? .max : (UInt64(1) << UInt64(type.bitWidth)) - 1
        switch (raw, type) {
        case (.float(let f), .f32): return UInt64(Float(f).bitPattern)
        case (.float(let f), .f64): return f.bitPattern
        case (.float(let f), _):
            // Saturating: NaN is 0 and out-of-range values clamp, rather than trapping.
            let r = f.rounded()
            let i: Int64 = r.isNaN ? 0 : r >= 9.223372036854775807e18 ? .max : r < -9.223372036854775807e18 ? .min : Int64(r)
            return UInt64(bitPattern: i) & mask
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
    /// Integer registers with a decimal scale (every power of ten, and multipliers such as
    /// 0.3) are converted exactly in integer arithmetic (e.g. `u64 ÷100 kWh` = raw × 10 Wh,
    /// `× 0.3 kWh` = raw × 300 Wh); a resolution finer than 1 Wh is truncated toward zero,
    /// which keeps counter differences exact to the Wh. Floating-point registers are rounded
    /// to the nearest Wh (their own resolution is the meter's limit: a float32 in kWh
    /// resolves 62.5 Wh at 800 MWh). A non-finite or out-of-range float gives 0 here:
    /// ``RegisterField/scaled(_:)`` reports those as missing before calling this.
    @inlinable
    public static func watthours(_ raw: RawNumber, scale: Scale, unit: MeasurementUnit) -> Int64 {
        checkedWatthours(raw, scale: scale, unit: unit) ?? 0
    }

    /// ``watthours(_:scale:unit:)``, or nil when the result does not fit `Int64` (a register
    /// value no meter counts to: the caller reports it as missing rather than wrapping it).
    @inlinable
    public static func checkedWatthours(_ raw: RawNumber, scale: Scale, unit: MeasurementUnit) -> Int64? {
        let unitExp = unit.exponentToCanonical
        let integer: Int64
        switch raw {
        case .unsigned(let u): integer = Int64(truncatingIfNeeded: u)
        case .signed(let s): integer = s
        case .float(let f):
            let wh = f * scale.factor * Scale.pow10(unitExp)
            guard wh.isFinite, abs(wh) < 9.0e18 else { return nil }
            return Int64(wh.rounded())
        }
        if let (m, e) = scale.decimal {
            let (product, overflow) = integer.multipliedReportingOverflow(by: m)
            if !overflow { return checkedPow10(product, e + unitExp) }
        }
        // Not a short decimal (or an absurd raw value): floating point, truncated toward zero.
        let wh = (Double(integer) * scale.factor * Scale.pow10(unitExp)).rounded(.towardZero)
        guard wh.isFinite, abs(wh) < 9.0e18 else { return nil }
        return Int64(wh)
    }

    /// `raw × scale × 10^unitExponent` as a double, exact to the nearest double for decimal
    /// scales: an EM24 register holding 2301 at ÷10 V is 230.1 (the literal), not
    /// 230.10000000000002 as `2301 × 0.1` would give.
    @inlinable
    public static func scaled(_ raw: Int64, by scale: Scale, unitExponent: Int) -> Double {
        if let (m, e) = scale.decimal {
            let (product, overflow) = raw.multipliedReportingOverflow(by: m)
            if !overflow, product.magnitude <= 1 << 53 {
                let k = e + unitExponent
                return k >= 0 ? Double(product) * Scale.pow10(k) : Double(product) / Scale.pow10(-k)
            }
        }
        return Double(raw) * scale.factor * Scale.pow10(unitExponent)
    }

    /// `value × 10^exponent`, nil on overflow.
    @usableFromInline
    static func checkedPow10(_ value: Int64, _ exponent: Int) -> Int64? {
        var v = value
        if exponent >= 0 {
            for _ in 0..<exponent {
                let (p, overflow) = v.multipliedReportingOverflow(by: 10)
                if overflow { return nil }
                v = p
            }
        } else {
            guard exponent >= -18 else { return 0 }
            var d: Int64 = 1
            for _ in 0..<(-exponent) { d *= 10 }
            v /= d
        }
        return v
    }
}
