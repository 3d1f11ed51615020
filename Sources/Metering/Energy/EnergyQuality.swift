/// How far an energy figure can be trusted, best first; when several apply, the worst wins.
///
/// The raw values are the words JSON, CSV and the store use.
public enum EnergyQuality: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Both boundaries are straddled by readings at most `measuredGapMs` apart.
    case measured
    /// A boundary lies in a short gap (at most `shortGapMs`): its value is interpolated.
    case interpolated
    /// A boundary lies in a long gap: the energy is still the counter difference, but how it is
    /// spread over time is estimated. Also a main-meter gap filled from the check meter.
    case estimated
    /// Something is wrong: the counter went backwards without a declared replacement, jumped
    /// beyond the meter's rating, or the main and check meters disagree beyond their classes.
    case suspect
    /// No reading on one side of a boundary: no value at all (never 0).
    case missing

    /// 0 (measured) … 4 (missing).
    public var rank: Int {
        switch self {
        case .measured: 0
        case .interpolated: 1
        case .estimated: 2
        case .suspect: 3
        case .missing: 4
        }
    }

    public static func < (a: EnergyQuality, b: EnergyQuality) -> Bool { a.rank < b.rank }
}
