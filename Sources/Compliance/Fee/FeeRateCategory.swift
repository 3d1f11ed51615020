/// Where the electricity charged by the digital-mining fee came from; each category has its own rate.
///
/// Categories follow the rate table in DOMAIN.md ("Fee rates"): Tax Code 2026 arts. 657–661 (grid
/// default, own renewables, off-grid), Law 45-VIII (2024: renewable or off-grid), Law 135-VII (2023:
/// own non-renewable generation). Raw values are the config and JSON spelling.
public enum FeeRateCategory: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// Electricity bought from the unified power system (UPS) — the default rate.
    case grid
    /// Electricity from the payer's own renewable plants in Kazakhstan.
    case ownRenewable = "own_renewable"
    /// Electricity from generation not connected to the unified power system.
    case offGrid = "off_grid"
    /// Electricity from the payer's own non-renewable generation (a category of its own in 2023, Law 135-VII).
    case ownNonRenewable = "own_non_renewable"

    public var description: String { rawValue }

    /// Declaration order (grid, own renewable, off-grid, own non-renewable).
    public static func < (a: FeeRateCategory, b: FeeRateCategory) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Who pays the fee for an object of taxation.
///
/// From 2026 both miners and hosting providers (persons providing computing infrastructure to miners)
/// are payers (Tax Code 2026 art. 658, DOMAIN.md); a hosting provider's computation is made per hosted
/// client, and its documents say whose kWh they cover.
public enum FeePayerKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A digital miner mining on its own equipment.
    case miner
    /// A hosting provider (data-centre operator hosting miners' equipment).
    case hostingProvider = "hosting_provider"

    public var description: String { rawValue }
}

/// A condition that puts an object on the penalty rate (25 KZT/kWh in 2023 and 2026, DOMAIN.md).
///
/// Tax Code 2026 arts. 657–661: no mining licence, no control meter, or a faulty meter; Law 135-VII
/// (2023, secondary): "no or a faulty meter", read here as no control meter or a faulty meter.
public enum FeePenaltyTrigger: String, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// The payer holds no digital-mining licence.
    case noLicence = "no_licence"
    /// No control (commercial) meter is installed.
    case noControlMeter = "no_control_meter"
    /// The main meter was missing or faulty on some days of the quarter.
    case faultyMeter = "faulty_meter"

    public var description: String { rawValue }

    /// Human-readable name used in line sources.
    public var text: String {
        switch self {
        case .noLicence: "no mining licence"
        case .noControlMeter: "no control meter"
        case .faultyMeter: "missing or faulty meter"
        }
    }

    /// Declaration order.
    public static func < (a: FeePenaltyTrigger, b: FeePenaltyTrigger) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
