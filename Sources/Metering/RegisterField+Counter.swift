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

extension CounterOptions {
    /// How the counter series of this energy register is judged: its width and step, the meter's
    /// rating and poll interval. The one place ingest (the writer) and the readers that recompute
    /// intervals from readings derive them, so both judge a series alike.
    public init(register field: RegisterField, ratedPowerW: Double? = nil, pollIntervalMs: Int64? = nil) {
        self.init(
            rolloverModulusWh: field.registerModulusWh, ratedPowerW: ratedPowerW, resolutionWh: field.resolutionWh,
            pollIntervalMs: pollIntervalMs)
    }
}

extension IntervalAccumulator {
    /// Feeds `readings` in time order, declaring each of `replacements` (in time order) just
    /// before the first reading after it, as the writer does live.
    /// - Returns: the replacements after the last reading, not declared yet.
    public mutating func replay(
        _ readings: [CounterReading], declaring replacements: ArraySlice<MeterReplacement>,
        emit: (EnergyInterval) -> Void
    ) -> ArraySlice<MeterReplacement> {
        var pending = replacements
        for r in readings {
            while let rep = pending.first, rep.timeMs < r.timeMs {
                try? declare(rep, emit: emit)
                pending.removeFirst()
            }
            try? add(r, emit: emit)
        }
        return pending
    }
}
