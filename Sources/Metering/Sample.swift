/// A decoded value: integer watt-hours for cumulative energy, a double for everything else.
///
/// A plain enum with scalar payloads: no heap allocation.
public enum SampleValue: Sendable, Hashable, BitwiseCopyable {
    /// Cumulative energy in watt-hours.
    case energy(Int64)
    /// An instantaneous value in the channel's canonical unit, or a state (0/1) or counter.
    case number(Double)
    /// The device reported "not available" (a sentinel or NaN). Never 0.
    case missing

    public var doubleValue: Double? {
        switch self {
        case .energy(let wh): Double(wh)
        case .number(let v): v
        case .missing: nil
        }
    }

    public var energyWh: Int64? {
        if case .energy(let wh) = self { return wh }
        return nil
    }
}

/// Quality of one sample as read.
public enum SampleQuality: UInt8, Sendable, Hashable, Codable {
    case good = 0
    /// The device answered with a "not available" sentinel or NaN.
    case notAvailable = 1
}

/// One reading of one channel: what pollers hand to the writer.
///
/// A plain struct of scalars (no heap): channel id as assigned by the store, read-completion
/// time in UTC epoch milliseconds, value and quality.
public struct Sample: Sendable, Hashable, BitwiseCopyable {
    public var channel: UInt32
    public var timeMs: Int64
    public var value: SampleValue

    public init(channel: UInt32, timeMs: Int64, value: SampleValue) {
        self.channel = channel
        self.timeMs = timeMs
        self.value = value
    }

    public var quality: SampleQuality {
        if case .missing = value { return .notAvailable }
        return .good
    }
}
