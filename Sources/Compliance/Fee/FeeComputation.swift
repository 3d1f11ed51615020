import Metering

/// What a fee line charges: one rate category's energy, or the penalty volume.
public enum FeeLineKind: Sendable, Hashable, CustomStringConvertible {
    /// Energy of one rate category at that category's rate (or, under "highest applicable rate wins",
    /// at the highest applicable rate).
    case category(FeeRateCategory)
    /// The penalty volume at the penalty rate (25 KZT/kWh in 2023 and 2026).
    case penalty

    /// `grid`, `own_renewable`, …, `penalty`.
    public var description: String {
        switch self {
        case .category(let c): c.rawValue
        case .penalty: "penalty"
        }
    }
}

/// How a line's volume was obtained.
public enum FeeVolumeBasis: Sendable, Hashable, CustomStringConvertible {
    /// Metered Wh (for a category line: the quarter's metered Wh less the penalised days' Wh; for a
    /// 2023 penalty line: the penalised days' metered Wh).
    case metered
    /// P_max × 24 h × `days` (Tax Code 2026 arts. 657–661: round-the-clock consumption at maximum power).
    case pMaxTimes24h(days: Int, maximumPower: FeePower)

    /// `metered` or `p_max_times_24h`.
    public var name: String {
        switch self {
        case .metered: "metered"
        case .pMaxTimes24h: "p_max_times_24h"
        }
    }

    /// `metered` or `P_max 5 MW × 24 h × 3 days`.
    public var description: String {
        switch self {
        case .metered: "metered"
        case .pMaxTimes24h(let days, let p): "P_max \(p) × 24 h × \(days) day\(days == 1 ? "" : "s")"
        }
    }
}

/// One line of a fee computation, saying where each figure came from.
///
/// `amountTiyn` is `exactMilliTiyn` rounded half-up to the tiyn (see ``FeeComputation`` for rounding).
public struct FeeLine: Sendable, Hashable {
    /// Category or penalty.
    public let kind: FeeLineKind
    /// Category line: the quarter's metered Wh in the category. Penalty line: the metered Wh of the
    /// penalised days (shown for reference; it is not the penalty volume under `pMaxTimes24h`).
    public let meteredWh: Int64
    /// Category line: metered Wh moved to the penalty line (penalised days). Penalty line: 0.
    public let removedWh: Int64
    /// The volume charged, Wh.
    public let volumeWh: Int64
    /// How the volume was obtained.
    public let basis: FeeVolumeBasis
    /// The rate applied, tiyn per kWh.
    public let rateTiynPerKWh: Int64
    /// The rule the rate comes from, e.g. `"own renewable plants in Kazakhstan"`.
    public let rule: String
    /// The period's source and the rule: `"Tax Code 2026, arts. 657–661 (…): own renewable plants in Kazakhstan"`.
    public let source: String
    /// `volumeWh × rateTiynPerKWh`, exact, in milli-tiyn (1/1000 tiyn).
    public let exactMilliTiyn: Int64
    /// The line's amount rounded half-up to the tiyn.
    public let amountTiyn: Int64

    /// Volume in kWh with 3 decimals, `"1234.567"`.
    public var kWhText: String { FeeDecimal.format(volumeWh, scale: 3) }
    /// Rate in KZT per kWh with 2 decimals, `"2.00"`.
    public var rateKZTText: String { FeeDecimal.format(rateTiynPerKWh, scale: 2) }
    /// Amount in KZT with 2 decimals, `"2469.13"`.
    public var amountKZTText: String { FeeDecimal.format(amountTiyn, scale: 2) }
}

/// One faulty-meter day for the documents: the day's metered Wh and the volume charged for it at the
/// penalty rate (DOMAIN.md: the documents show meter health day by day).
public struct FeeFaultyDayRow: Sendable, Hashable {
    /// The day.
    public let date: LocalDate
    /// That day's metered Wh, all categories.
    public let meteredWh: Int64
    /// Volume charged for the day at the penalty rate: P_max × 24 h (2026), the metered Wh (2023), or 0
    /// when the period has no faulty-meter penalty.
    public let penaltyWh: Int64
    /// Whether the day was charged by the penalty rule.
    public let penalised: Bool

    /// A row (built by ``FeeRateTable/compute(_:dueDates:)``; public for documents and tests).
    public init(date: LocalDate, meteredWh: Int64, penaltyWh: Int64, penalised: Bool) {
        self.date = date
        self.meteredWh = meteredWh
        self.penaltyWh = penaltyWh
        self.penalised = penalised
    }
}

/// The digital-mining fee of one object of taxation for one quarter, with every figure traceable to its
/// rate period, rule and volume basis. Built by ``FeeRateTable/compute(_:dueDates:)``.
///
/// **Rounding.** Energy is Wh (`Int64`), rates tiyn per kWh (`Int64`), so Wh × rate is an exact amount in
/// milli-tiyn (1/1000 tiyn). Each line's exact product and the exact total are kept; the fee
/// (``totalTiyn``) is the exact total rounded **once, half-up, to the tiyn** (`(x + 500) / 1000`; amounts
/// are never negative). Each line's ``FeeLine/amountTiyn`` is its own exact product rounded the same way
/// for display, so the displayed line amounts can differ from the total by under half a tiyn per line;
/// the total governs. All products and sums are overflow-checked and fail with
/// ``FeeError/Code/overflow`` instead of trapping. KZT are displayed with 2 decimals.
public struct FeeComputation: Sendable, Hashable {
    /// The tax period.
    public let quarter: Quarter
    /// The object of taxation.
    public let object: String
    /// Who pays.
    public let payerKind: FeePayerKind
    /// For a hosting provider, whose kWh this is.
    public let client: FeeHostedClient?
    /// Index of the rate period in the table.
    public let periodIndex: Int
    /// The rate period applied.
    public let period: FeeRatePeriod
    /// The lines, categories in declaration order, then the penalty line.
    public let lines: [FeeLine]
    /// Penalty triggers that fired and are in the period's trigger set.
    public let penaltyTriggers: [FeePenaltyTrigger]
    /// The faulty-meter days, by date.
    public let faultyDays: [FeeFaultyDayRow]
    /// Interpretations applied to this computation, in words, for the documents.
    public let notes: [String]
    /// Total volume charged (sum of the lines' volumes), Wh.
    public let totalVolumeWh: Int64
    /// Sum of the lines' exact amounts, milli-tiyn.
    public let exactTotalMilliTiyn: Int64
    /// The fee: the exact total rounded half-up to the tiyn.
    public let totalTiyn: Int64
    /// Declaration and payment due dates (from the calendar module).
    public let dueDates: FeeDueDates

    /// The fee in KZT with 2 decimals, `"9000000.00"`.
    public var totalKZTText: String { FeeDecimal.format(totalTiyn, scale: 2) }

}
