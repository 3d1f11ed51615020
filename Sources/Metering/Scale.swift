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

    @usableFromInline
    static func pow10(_ e: Int) -> Double {
        var r = 1.0
        if e >= 0 { for _ in 0..<e { r *= 10 } } else { for _ in 0..<(-e) { r /= 10 } }
        return r
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
