/// One reading of a meter's cumulative energy register (import or export), in integer Wh as
/// decoded, at its read-completion time in UTC epoch milliseconds.
public struct CounterReading: Sendable, Hashable {
    public var timeMs: Int64
    /// The register value in Wh, exactly as the meter reported it (before any rollover or
    /// replacement is applied).
    public var wh: Int64
    /// A manual reading (`esep meter reading`: taken from the meter's display, with a note),
    /// not polled: the intervals whose energy it bounds are flagged ``QualityReasons/manual``.
    public var isManual: Bool

    public init(timeMs: Int64, wh: Int64, isManual: Bool = false) {
        self.timeMs = timeMs
        self.wh = wh
        self.isManual = isManual
    }

    /// The reading a cumulative-energy sample carries; `nil` when the sample is not energy or is missing.
    public init?(_ sample: Sample) {
        guard let wh = sample.value.energyWh else { return nil }
        self.init(timeMs: sample.timeMs, wh: wh)
    }
}
