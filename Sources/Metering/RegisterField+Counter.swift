extension RegisterField {
    /// One step of this energy register in Wh (10 for a `÷100 kWh` integer register; 1 for floats
    /// and finer registers).
    public var resolutionWh: Int64 {
        guard !type.isFloat, case .powerOfTen(let e) = scale else { return 1 }
        let exponent = e + unit.exponentToCanonical
        guard exponent > 0 else { return 1 }
        var r: Int64 = 1
        for _ in 0..<exponent { r *= 10 }
        return r
    }

    /// The value at which this integer energy register wraps to 0, in Wh: 2^bits steps
    /// (2^(bits−1) for signed types) of ``resolutionWh``. Nil for floating-point and 64-bit
    /// registers, whose wrap (if any) is a vendor's decimal limit that a site configures.
    public var registerModulusWh: Int64? {
        guard !type.isFloat, type.bitWidth < 64 else { return nil }
        let steps = Int64(1) << Int64(type.isSigned ? type.bitWidth - 1 : type.bitWidth)
        let (m, overflow) = steps.multipliedReportingOverflow(by: resolutionWh)
        return overflow ? nil : m
    }
}
