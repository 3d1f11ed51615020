/// How many intervals of a period have each quality.
public struct QualityCounts: Sendable, Hashable {
    public var measured = 0
    public var interpolated = 0
    public var estimated = 0
    public var suspect = 0
    public var missing = 0

    public init() {}

    /// The count for one quality.
    public subscript(quality: EnergyQuality) -> Int {
        get {
            switch quality {
            case .measured: measured
            case .interpolated: interpolated
            case .estimated: estimated
            case .suspect: suspect
            case .missing: missing
            }
        }
        set {
            switch quality {
            case .measured: measured = newValue
            case .interpolated: interpolated = newValue
            case .estimated: estimated = newValue
            case .suspect: suspect = newValue
            case .missing: missing = newValue
            }
        }
    }

    /// All intervals counted.
    public var total: Int { measured + interpolated + estimated + suspect + missing }

    /// The worst quality with a non-zero count; `nil` when nothing was counted.
    public var worst: EnergyQuality? { EnergyQuality.allCases.last { self[$0] > 0 } }

    /// Adds another count, quality by quality.
    public mutating func add(_ other: QualityCounts, times: Int = 1) {
        for q in EnergyQuality.allCases { self[q] += other[q] * times }
    }
}
