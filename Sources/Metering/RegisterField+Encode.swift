extension RegisterField {
    /// The raw bits a device would hold for `value` in this field: the inverse of
    /// ``decode(registers:windowStart:)``, used by the simulator and round-trip tests.
    ///
    /// Energy is truncated toward zero to the register's resolution (a `÷10 kWh` register
    /// holds whole 100 Wh steps, a `× 0.3 kWh` register 300 Wh steps), so `decode(encode(x))`
    /// is what a reader of a real meter would get. `.missing` encodes the field's first
    /// sentinel (or NaN for floats, or all-ones), and so does a number an integer register
    /// cannot hold (NaN, ±infinity, beyond 64 bits).
    public func encode(_ value: SampleValue) -> UInt64 {
        let unitExp = unit.exponentToCanonical
        switch value {
        case .missing:
            if let s = sentinels.first { return s }
            if type == .f32 { return UInt64(Float.nan.bitPattern) }
            if type == .f64 { return Double.nan.bitPattern }
            return allOnes
        case .energy(let wh):
            if type.isFloat {
                return RegisterCodec.bits(of: .float(Double(wh) / Scale.pow10(unitExp) / scale.factor), as: type)
            }
            if let (m, e) = scale.decimal, m != 0 {
                let exponent = e + unitExp
                let raw: Int64
                if exponent >= 0 {
                    // One raw step is m × 10^exponent Wh.
                    let (step, overflow) = m.multipliedReportingOverflow(by: Self.pow10(exponent))
                    raw = overflow ? 0 : wh / step
                } else {
                    // One raw step is m / 10^-exponent Wh.
                    raw = (wh &* Self.pow10(-exponent)) / m
                }
                return RegisterCodec.bits(of: .signed(raw), as: type)
            }
            let raw = (Double(wh) / Scale.pow10(unitExp) / scale.factor).rounded(.towardZero)
            guard raw.isFinite, abs(raw) < 9.2e18 else { return encode(.missing) }
            return RegisterCodec.bits(of: .signed(Int64(raw)), as: type)
        case .number(let v):
            if type == .bit { return v != 0 ? UInt64(1) << UInt64(bit) : 0 }
            if type.isFloat {
                return RegisterCodec.bits(of: .float(v / Scale.pow10(unitExp) / scale.factor), as: type)
            }
            var raw: Double
            if let (m, e) = scale.decimal, m != 0 {
                let k = e + unitExp
                raw = (k >= 0 ? v / Scale.pow10(k) : v * Scale.pow10(-k)) / Double(m)
            } else {
                raw = v / Scale.pow10(unitExp) / scale.factor
            }
            raw.round()
            guard raw.isFinite, abs(raw) < 9.2e18 else { return encode(.missing) }
            return RegisterCodec.bits(of: .signed(Int64(raw)), as: type)
        }
    }

    /// Writes `value` into a register image at this field's address (image index 0 = PDU
    /// address `imageStart`).
    public func write(
        _ value: SampleValue, into registers: UnsafeMutableBufferPointer<UInt16>, imageStart: Int = 0
    ) {
        RegisterCodec.spread(
            encode(value), into: registers, offset: address - imageStart, count: type.registerCount, order: order)
    }

    /// 10^e as an integer (wrapping past 10^18, which no register scale reaches).
    private static func pow10(_ e: Int) -> Int64 {
        var d: Int64 = 1
        for _ in 0..<e { d = d &* 10 }
        return d
    }
}
