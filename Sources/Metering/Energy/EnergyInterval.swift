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

    /// An interval whose quality follows from its reasons (and is `.missing` without a value).
    public init(startMs: Int64, endMs: Int64, wh: Int64?, reasons: QualityReasons, isOpen: Bool = false) {
        self.startMs = startMs
        self.endMs = endMs
        self.wh = wh
        self.reasons = reasons
        self.isOpen = isOpen
        self.quality = wh == nil ? .missing : reasons.impliedQuality
    }

    /// Adds reasons and recomputes the quality.
    public func adding(_ more: QualityReasons) -> EnergyInterval {
        EnergyInterval(startMs: startMs, endMs: endMs, wh: wh, reasons: reasons.union(more), isOpen: isOpen)
    }
}
