extension RegisterField {
    /// The raw bits a device would hold for `value` in this field: the inverse of
    /// ``decode(registers:windowStart:)``, used by the simulator and round-trip tests.
    ///
    /// Energy is truncated to the register's resolution (a `÷10 kWh` register holds whole
    /// 100 Wh steps), so `decode(encode(x))` is what a reader of a real meter would get.
    /// `.missing` encodes the field's first sentinel (or NaN for floats, or all-ones).
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
            switch scale {
            case .powerOfTen(let e):
                let exponent = e + unitExp
                var raw = wh
                if exponent >= 0 {
                    var d: Int64 = 1
                    for _ in 0..<exponent { d *= 10 }
                    raw = wh / d
                } else {
                    for _ in 0..<(-exponent) { raw = raw &* 10 }
                }
                return RegisterCodec.bits(of: .signed(raw), as: type)
            case .multiplier(let f):
                let raw = (Double(wh) / Scale.pow10(unitExp) / f).rounded(.down)
                return RegisterCodec.bits(of: .signed(Int64(raw)), as: type)
            }
        case .number(let v):
            if type == .bit { return v != 0 ? UInt64(1) << UInt64(bit) : 0 }
            let raw = v / Scale.pow10(unitExp) / scale.factor
            if type.isFloat { return RegisterCodec.bits(of: .float(raw), as: type) }
            return RegisterCodec.bits(of: .signed(Int64(raw.rounded())), as: type)
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
}
