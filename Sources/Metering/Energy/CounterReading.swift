/// One reading of a meter's cumulative energy register (import or export), in integer Wh as
/// decoded, at its read-completion time in UTC epoch milliseconds.
public struct CounterReading: Sendable, Hashable {
    public var timeMs: Int64
    /// The register value in Wh, exactly as the meter reported it (before any rollover or
    /// replacement is applied).
    public var wh: Int64

    public init(timeMs: Int64, wh: Int64) {
        self.timeMs = timeMs
        self.wh = wh
    }

    /// The reading a cumulative-energy sample carries; `nil` when the sample is not energy or is missing.
    public init?(_ sample: Sample) {
        guard let wh = sample.value.energyWh else { return nil }
        self.init(timeMs: sample.timeMs, wh: wh)
    }
}
