/// Why an interval has the quality it has: every observation, kept even when a worse one decides
/// the quality. A bit set, so carrying it costs nothing per reading.
///
/// ``names`` gives the words reports print (`short_gap`, `backward_step`, …).
public struct QualityReasons: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// A boundary lies in a gap longer than `measuredGapMs`, up to `shortGapMs` (interpolated).
    public static let shortGap = QualityReasons(rawValue: 1 << 0)
    /// A boundary lies in a gap longer than `shortGapMs` (estimated).
    public static let longGap = QualityReasons(rawValue: 1 << 1)
    /// The register went backwards with no declared replacement: the step booked 0 (suspect).
    public static let backwardStep = QualityReasons(rawValue: 1 << 2)
    /// A forward step larger than rated power × time × 1.1 allows (suspect; the energy is booked).
    public static let ratingExceeded = QualityReasons(rawValue: 1 << 3)
    /// The register wrapped at its modulus; the wrapped energy was added (information, not a fault).
    public static let rollover = QualityReasons(rawValue: 1 << 4)
    /// A declared meter replacement or reset splits the series here (information).
    public static let replacement = QualityReasons(rawValue: 1 << 5)
    /// The main and check meters differ by more than their accuracy classes allow (suspect).
    public static let checkDivergence = QualityReasons(rawValue: 1 << 6)
    /// The main meter had no value; the energy is the check meter's (estimated).
    public static let filledFromCheck = QualityReasons(rawValue: 1 << 7)
    /// The interval starts before the first reading (missing).
    public static let noReadingBefore = QualityReasons(rawValue: 1 << 8)
    /// The interval starts after the last reading (missing).
    public static let noReadingAfter = QualityReasons(rawValue: 1 << 9)
    /// Register values so far apart that the step does not fit in 64 bits: booked 0 (suspect).
    public static let implausibleValue = QualityReasons(rawValue: 1 << 10)
    /// Readings cover only part of the interval (it holds the first reading, or the last one and
    /// has ended): the energy is the measured energy of the covered part (``EnergyInterval/covered``),
    /// never the whole interval's and never nothing.
    public static let partial = QualityReasons(rawValue: 1 << 11)
    /// A boundary of the interval is a manual reading (from the meter's display, with a note).
    public static let manual = QualityReasons(rawValue: 1 << 12)

    /// Every reason with its word, in a stable order.
    public static let all: [(QualityReasons, String)] = [
        (.shortGap, "short_gap"), (.longGap, "long_gap"), (.backwardStep, "backward_step"),
        (.ratingExceeded, "rating_exceeded"), (.rollover, "rollover"), (.replacement, "replacement"),
        (.checkDivergence, "check_divergence"), (.filledFromCheck, "filled_from_check"),
        (.noReadingBefore, "no_reading_before"), (.noReadingAfter, "no_reading_after"),
        (.implausibleValue, "implausible_value"), (.partial, "partial"), (.manual, "manual"),
    ]

    /// Reasons that make an interval suspect.
    public static let suspectReasons: QualityReasons = [.backwardStep, .ratingExceeded, .checkDivergence, .implausibleValue]

    /// The words of the reasons present, in a stable order.
    public var names: [String] { Self.all.filter { contains($0.0) }.map(\.1) }

    /// Reasons from their words; `nil` if a word is unknown.
    public init?(names: [String]) {
        var result: QualityReasons = []
        for name in names {
            guard let reason = Self.all.first(where: { $0.1 == name })?.0 else { return nil }
            result.insert(reason)
        }
        self = result
    }

    /// The words joined by commas (empty when there is no reason).
    public var description: String { names.joined(separator: ",") }

    /// The worst quality these reasons imply on their own.
    public var impliedQuality: EnergyQuality {
        if contains(.noReadingBefore) || contains(.noReadingAfter) { return .missing }
        if !isDisjoint(with: Self.suspectReasons) { return .suspect }
        if contains(.longGap) || contains(.filledFromCheck) { return .estimated }
        if contains(.shortGap) { return .interpolated }
        return .measured
    }
}
