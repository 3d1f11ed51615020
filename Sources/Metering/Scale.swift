/// How a decoded raw number becomes a value in the field's unit.
public enum Scale: Sendable, Hashable {
    /// value = raw × 10^exponent. Exact for integer energy registers.
    case powerOfTen(Int)
    /// value = raw × factor, for registers whose factor is not a power of ten.
    case multiplier(Double)

    public static let one = Scale.powerOfTen(0)

    /// The factor as a floating-point number.
    public var factor: Double {
        switch self {
        case .powerOfTen(let e): Scale.pow10(e)
        case .multiplier(let f): f
        }
    }

    /// Builds the most exact scale for a factor: a power of ten when it is one.
    public init(factor: Double) {
        for e in -9...9 where Scale.pow10(e) == factor {
            self = .powerOfTen(e)
            return
        }
        self = .multiplier(factor)
    }

    /// The factor as `mantissa × 10^exponent`, when it is a short decimal: every power of
    /// ten, and multipliers such as 0.3, 1.6 or 0.07 (up to 12 decimals). `nil` for factors
    /// such as 1/3 that no short decimal represents.
    ///
    /// Decoding uses it to scale integer registers exactly (0.3 × 3 is 0.9, not 0.8999…).
    public var decimal: (mantissa: Int64, exponent: Int)? {
        switch self {
        case .powerOfTen(let e):
            return (1, e)
        case .multiplier(let f):
            guard f.isFinite else { return nil }
            if f == 0 { return (0, 0) }
            for k in 0...12 {
                let m = (f * Scale.pow10(k)).rounded()
                guard abs(m) < 1e15 else { break }
                // Division by an exact power of ten is correctly rounded, as is the literal.
                if m / Scale.pow10(k) == f { return (Int64(m), -k) }
            }
            return nil
        }
    }

    /// 10^e, correctly rounded for |e| ≤ 22 (negative powers divide by an exact power
    /// of ten rather than multiplying inexact tenths).
    @usableFromInline
    static func pow10(_ e: Int) -> Double {
        var r = 1.0
        for _ in 0..<abs(e) { r *= 10 }
        return e >= 0 ? r : 1 / r
    }
}

/// Units a field's scaled value is expressed in.
public enum MeasurementUnit: String, Sendable, Hashable, CaseIterable, Codable {
    case wattHour = "Wh"
    case kilowattHour = "kWh"
    case megawattHour = "MWh"
    case watt = "W"
    case kilowatt = "kW"
    case volt = "V"
    case ampere = "A"
    case hertz = "Hz"
    /// Dimensionless (power factor, states, counters).
    case none = ""

    /// Power of ten from this unit to the channel's canonical unit (Wh for energy, W for power).
    public var exponentToCanonical: Int {
        switch self {
        case .kilowattHour, .kilowatt: 3
        case .megawattHour: 6
        default: 0
        }
    }

    public var isEnergy: Bool { self == .wattHour || self == .kilowattHour || self == .megawattHour }
}
