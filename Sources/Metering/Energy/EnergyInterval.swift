/// The energy of one meter register over `[startMs, endMs)`, with its quality and the reasons for it.
///
/// `wh` is the difference of the consumption series at the two boundaries, so consecutive intervals
/// add up exactly to the counter difference across them. A closed interval is immutable: a
/// correction is a new record, never an update in place.
public struct EnergyInterval: Sendable, Hashable {
    /// Start boundary, UTC epoch ms (inclusive).
    public var startMs: Int64
    /// End boundary, UTC epoch ms (exclusive).
    public var endMs: Int64
    /// Energy in Wh; `nil` when missing (never 0 for "no data"). For an open interval, the
    /// energy so far.
    public var wh: Int64?
    /// The worst quality any reason implies (``QualityReasons/impliedQuality``); `.missing` when `wh` is `nil`.
    public var quality: EnergyQuality
    /// Every observation behind the quality.
    public var reasons: QualityReasons
    /// The interval is still running: its end boundary is after the last reading, and `wh` is the
    /// energy up to that reading.
    public var isOpen: Bool
    /// The part of `[startMs, endMs)` that readings cover, when it is not the whole interval: an
    /// open interval's ends at its last reading; a ``QualityReasons/partial`` interval's starts at
    /// the first reading or ends at the last. `nil`: the whole interval.
    public var covered: Range<Int64>?

    /// An interval whose quality follows from its reasons (and is `.missing` without a value).
    public init(
        startMs: Int64, endMs: Int64, wh: Int64?, reasons: QualityReasons, isOpen: Bool = false, covered: Range<Int64>? = nil
    ) {
        self.startMs = startMs
        self.endMs = endMs
        self.wh = wh
        self.reasons = reasons
        self.isOpen = isOpen
        self.covered = covered
        self.quality = wh == nil ? .missing : reasons.impliedQuality
    }

    /// Adds reasons and recomputes the quality.
    public func adding(_ more: QualityReasons) -> EnergyInterval {
        EnergyInterval(startMs: startMs, endMs: endMs, wh: wh, reasons: reasons.union(more), isOpen: isOpen, covered: covered)
    }

    /// The time this interval has run, ms: up to its last reading while open, else its whole span.
    public var elapsedMs: Int64 {
        isOpen ? max(0, (covered?.upperBound ?? endMs) - startMs) : endMs - startMs
    }

    /// The time its readings cover, ms (0 when missing).
    public var coveredMs: Int64 {
        guard wh != nil else { return 0 }
        if let covered { return max(0, covered.upperBound - covered.lowerBound) }
        return elapsedMs
    }
}
