import Metering

/// One rate with the rule it comes from, e.g. 200 tiyn/kWh, "default rate".
///
/// The rule text is quoted in every fee line next to the period's source, so a document shows where
/// each figure came from (DOMAIN.md: "keep in dated config, name the source").
public struct FeeRule: Sendable, Hashable {
    /// Rate in tiyn per kWh (1 KZT = 100 tiyn), 0…100,000 (≤ 1000 KZT/kWh).
    public let rateTiynPerKWh: Int64
    /// The rule, e.g. `"own renewable plants in Kazakhstan"`.
    public let rule: String

    /// A rule; the rate is range-checked by ``FeeRateTable/init(validating:)``.
    public init(rateTiynPerKWh: Int64, rule: String) {
        self.rateTiynPerKWh = rateTiynPerKWh
        self.rule = rule
    }

    /// The rate as KZT text with 2 decimals, `"2.00"`.
    public var rateKZTText: String { FeeDecimal.format(rateTiynPerKWh, scale: 2) }
}

/// One band of a price-scaled rate (Law 135-VII, 2023, secondary): if the quarter's average purchase price
/// of electricity is in the half-open band `[min, max)`, grid electricity pays `rule`'s rate.
///
/// Prices are in milli-tiyn per kWh (1 KZT = 100,000 milli-tiyn; up to 5 decimals of KZT) so that a band
/// boundary is compared exactly. `max == nil` means no upper bound ("≥ 24 KZT/kWh").
public struct FeePriceBand: Sendable, Hashable {
    /// Inclusive lower bound, milli-tiyn per kWh.
    public let minMilliTiynPerKWh: Int64
    /// Exclusive upper bound, milli-tiyn per kWh, or `nil` for none.
    public let maxMilliTiynPerKWh: Int64?
    /// The rate that applies in this band.
    public let rule: FeeRule

    /// A band; ordering and overlap are checked by ``FeeRateTable/init(validating:)``.
    public init(minMilliTiynPerKWh: Int64, maxMilliTiynPerKWh: Int64?, rule: FeeRule) {
        self.minMilliTiynPerKWh = minMilliTiynPerKWh
        self.maxMilliTiynPerKWh = maxMilliTiynPerKWh
        self.rule = rule
    }

    /// Whether `price` (milli-tiyn per kWh) is in `[min, max)`.
    public func contains(milliTiynPerKWh price: Int64) -> Bool {
        price >= minMilliTiynPerKWh && (maxMilliTiynPerKWh.map { price < $0 } ?? true)
    }

    /// `[5.00, 10.00) KZT/kWh` or `[24.00, ∞) KZT/kWh`.
    public var rangeText: String {
        let lo = FeeDecimal.format(minMilliTiynPerKWh, scale: 5, minimumDecimals: 2)
        let hi = maxMilliTiynPerKWh.map { FeeDecimal.format($0, scale: 5, minimumDecimals: 2) } ?? "∞"
        return "[\(lo), \(hi)) KZT/kWh"
    }
}

/// How the volume charged at the penalty rate is counted.
///
/// Tax Code 2026 arts. 657–661 (DOMAIN.md): round-the-clock consumption at maximum power, P_max × 24 h
/// for each day concerned. Law 135-VII (2023) names no such volume rule; this engine then applies the
/// penalty rate to the metered kWh of the days concerned (an assumption, see ``FeePenaltyRule``).
public enum FeePenaltyVolume: String, Sendable, Hashable, CustomStringConvertible {
    /// The metered Wh of the days concerned.
    case metered
    /// P_max × 24 h × the number of days concerned.
    case pMaxTimes24h = "p_max_times_24h"

    public var description: String { rawValue }
}

/// The penalty rate of a period: its rate, the conditions that trigger it, and how its volume is counted.
///
/// Sources (DOMAIN.md): Tax Code 2026 arts. 657–661 — 25 KZT/kWh with no mining licence, no control meter
/// or a faulty meter, volume P_max × 24 h per day concerned; Law 135-VII (2023, secondary) — 25 KZT/kWh
/// with no or a faulty meter.
///
/// Assumptions documented here:
/// - **2023 volume**: the law as summarised gives no volume rule, so `volume = .metered`: the penalty rate
///   applies to the metered kWh of the faulty-meter days (and, with no control meter, to all the metered
///   kWh of the quarter).
/// - **Days concerned**: for a faulty meter, the days the caller lists; for no licence or no control meter,
///   every day of the quarter (the condition holds for the whole tax period).
public struct FeePenaltyRule: Sendable, Hashable {
    /// The penalty rate and its rule text.
    public let rule: FeeRule
    /// The conditions that trigger it.
    public let triggers: Set<FeePenaltyTrigger>
    /// How its volume is counted.
    public let volume: FeePenaltyVolume

    /// A penalty rule; checked by ``FeeRateTable/init(validating:)``.
    public init(rule: FeeRule, triggers: Set<FeePenaltyTrigger>, volume: FeePenaltyVolume) {
        self.rule = rule
        self.triggers = triggers
        self.volume = volume
    }
}

/// One dated entry of the fee rate table: the rules that apply from `from` (inclusive) until the next
/// entry's `from`.
///
/// The four shipped periods are in ``FeeRateTable/defaults`` with their sources as DOMAIN.md ("Fee rates")
/// lists them. A period has per-category rates (``rates``), an optional penalty rule, and for 2023
/// (Law 135-VII, secondary) the "highest applicable rate wins" flag and a price band table that sets the
/// grid rate from the quarter's average purchase price of electricity.
public struct FeeRatePeriod: Sendable, Hashable {
    /// First day the period applies (inclusive).
    public let from: LocalDate
    /// The legal source, e.g. `"Law 45-VIII"`.
    public let source: String
    /// Whether the source was read only second-hand (not from the official text).
    public let secondary: Bool
    /// Who pays under this period (hosting providers from 2026, art. 658).
    public let payers: Set<FeePayerKind>
    /// Fixed per-category rates. A category absent here has no rate in the period (energy in it is an
    /// error), except `grid` when ``priceBands`` is non-empty.
    public let rates: [FeeRateCategory: FeeRule]
    /// The penalty rule, if the period has one.
    public let penalty: FeePenaltyRule?
    /// 2023: every category of the object pays the highest rate applicable to it in the quarter.
    public let highestApplicableRateWins: Bool
    /// 2023: the grid rate by average purchase price, half-open bands sorted by `min`. Empty when the
    /// grid rate is fixed. Completed in the config by a `[[fee.rates]]` period with the same `from`.
    public let priceBands: [FeePriceBand]

    /// A period; use ``FeeRateTable/init(validating:)`` to check a list of them.
    public init(
        from: LocalDate, source: String, secondary: Bool, payers: Set<FeePayerKind>,
        rates: [FeeRateCategory: FeeRule], penalty: FeePenaltyRule? = nil,
        highestApplicableRateWins: Bool = false, priceBands: [FeePriceBand] = []
    ) {
        self.from = from
        self.source = source
        self.secondary = secondary
        self.payers = payers
        self.rates = rates
        self.penalty = penalty
        self.highestApplicableRateWins = highestApplicableRateWins
        self.priceBands = priceBands
    }

    /// Where the config completes the band table: `[[fee.rates]] from = "2023-01-01"`, its `[[fee.rates.bands]]`.
    public var bandsConfigKey: String { "[[fee.rates]] from = \"\(from)\" (its [[fee.rates.bands]])" }

    /// The band containing `price` (milli-tiyn per kWh), if any.
    public func band(forMilliTiynPerKWh price: Int64) -> FeePriceBand? {
        priceBands.first { $0.contains(milliTiynPerKWh: price) }
    }
}
