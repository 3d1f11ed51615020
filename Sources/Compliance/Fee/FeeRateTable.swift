import Metering
public import SiteConfig

/// The dated fee rate table: ``FeeRatePeriod``s in strictly increasing `from` order, each applying from
/// its `from` (inclusive) until the next one starts.
///
/// Build it with ``init(validating:)`` (typed periods) or ``init(config:)`` (raw config values: dates and
/// KZT amounts as text), or take ``defaults`` (DOMAIN.md, "Fee rates"). Validation checks: at least one
/// period; `from` strictly increasing; a non-empty source and rule texts; rates 0…1000 KZT/kWh (0…100,000
/// tiyn/kWh); at least one payer; price bands with `min < max` that do not overlap; no fixed grid rate
/// next to a band table; a penalty with at least one trigger. Every error names the entry index and the
/// field, e.g. `rates[2].from: 2024-01-01 is not after rates[1].from 2024-01-01`.
public struct FeeRateTable: Sendable, Hashable {
    /// Highest accepted rate, tiyn per kWh (1000 KZT/kWh).
    public static let maximumRateTiynPerKWh: Int64 = 100_000

    /// The periods, in increasing `from` order.
    public let periods: [FeeRatePeriod]

    /// Checks `periods` (see the type's documentation) and keeps them in the given order.
    /// - Throws: ``FeeError`` with code ``FeeError/Code/invalidTable`` naming `rates[i].<field>`.
    public init(validating periods: [FeeRatePeriod]) throws(FeeError) {
        guard !periods.isEmpty else { throw Self.invalid("rates", "the table has no periods") }
        for (i, p) in periods.enumerated() {
            let at = "rates[\(i)]"
            if i > 0, !(p.from > periods[i - 1].from) {
                throw Self.invalid("\(at).from", "\(p.from) is not after rates[\(i - 1)].from \(periods[i - 1].from)")
            }
            if p.source.trimmingFeeSpaces().isEmpty { throw Self.invalid("\(at).source", "is empty") }
            if p.payers.isEmpty { throw Self.invalid("\(at).payers", "names no payer") }
            if p.rates.isEmpty && p.priceBands.isEmpty { throw Self.invalid("\(at).categories", "the period has no rates") }
            for category in p.rates.keys.sorted() {
                try Self.check(p.rates[category]!, "\(at).categories.\(category)")
            }
            if !p.priceBands.isEmpty, p.rates[.grid] != nil {
                throw Self.invalid(
                    "\(at).categories.grid", "the period has price bands, which set the grid rate; remove the fixed grid rate")
            }
            if let penalty = p.penalty {
                try Self.check(penalty.rule, "\(at).penalty")
                if penalty.triggers.isEmpty { throw Self.invalid("\(at).penalty.triggers", "names no trigger") }
            }
            for (j, band) in p.priceBands.enumerated() {
                let bandAt = "\(at).bands[\(j)]"
                if band.minMilliTiynPerKWh < 0 { throw Self.invalid("\(bandAt).min", "is negative") }
                if let max = band.maxMilliTiynPerKWh, max <= band.minMilliTiynPerKWh {
                    throw Self.invalid("\(bandAt).max", "\(band.rangeText) is empty: max must be above min")
                }
                try Self.check(band.rule, bandAt)
            }
            let order = p.priceBands.indices.sorted { p.priceBands[$0].minMilliTiynPerKWh < p.priceBands[$1].minMilliTiynPerKWh }
            for (a, b) in zip(order, order.dropFirst()) {
                let lower = p.priceBands[a]
                let upper = p.priceBands[b]
                if lower.maxMilliTiynPerKWh.map({ $0 > upper.minMilliTiynPerKWh }) ?? true {
                    throw Self.invalid(
                        "\(at).bands[\(b)]", "\(upper.rangeText) overlaps \(at).bands[\(a)] \(lower.rangeText)")
                }
            }
        }
        self.periods = periods
    }

    private static func check(_ rule: FeeRule, _ field: String) throws(FeeError) {
        if rule.rateTiynPerKWh < 0 {
            throw invalid("\(field).rate", "\(FeeDecimal.format(rule.rateTiynPerKWh, scale: 2)) KZT/kWh is negative")
        }
        if rule.rateTiynPerKWh > maximumRateTiynPerKWh {
            throw invalid("\(field).rate", "\(rule.rateKZTText) KZT/kWh is above 1000 KZT/kWh")
        }
        if rule.rule.trimmingFeeSpaces().isEmpty { throw invalid("\(field).rule", "is empty") }
    }

    static func invalid(_ field: String, _ message: String) -> FeeError {
        FeeError(code: .invalidTable, field: field, message: message)
    }

    /// The period that applies to `quarter`, chosen by the quarter's first day, with its index.
    ///
    /// - Throws: ``FeeError/Code/noRatePeriod`` if the quarter starts before the first period;
    ///   ``FeeError/Code/quarterStraddlesPeriods`` (naming both periods) if the next period starts after
    ///   the quarter's first day but inside the quarter.
    public func period(for quarter: Quarter) throws(FeeError) -> (index: Int, period: FeeRatePeriod) {
        guard let index = periods.lastIndex(where: { $0.from <= quarter.firstDay }) else {
            throw FeeError(
                code: .noRatePeriod, field: "quarter",
                message: "\(quarter) starts on \(quarter.firstDay), before the first rate period (rates[0].from \(periods[0].from))")
        }
        if index + 1 < periods.count, periods[index + 1].from < quarter.next.firstDay {
            let next = periods[index + 1]
            throw FeeError(
                code: .quarterStraddlesPeriods, field: "quarter",
                message: "\(quarter) straddles rates[\(index)] (from \(periods[index].from), \(periods[index].source)) "
                    + "and rates[\(index + 1)] (from \(next.from), \(next.source)); split the table at a quarter boundary")
        }
        return (index, periods[index])
    }
}

extension FeeRateTable {
    /// Converts and validates raw config periods (see ``FeeRatePeriodConfig``), then checks the table as
    /// ``init(validating:)`` does.
    /// - Throws: ``FeeError/Code/invalidTable`` naming `rates[i].<field>`, e.g.
    ///   `rates[1].categories.grid.rate: "1.234" has more than 2 decimals`.
    public init(config: [FeeRatePeriodConfig]) throws(FeeError) {
        var periods: [FeeRatePeriod] = []
        for (i, raw) in config.enumerated() { periods.append(try Self.period(raw, at: "rates[\(i)]")) }
        try self.init(validating: periods)
    }

    /// `base` (the shipped ``defaults``) with the config's `[[fee.rates]]` periods: a period whose
    /// `from` is a base period's replaces it whole, any other is added. Each config period is
    /// checked as ``init(validating:)`` checks one, and errors name its index in the config.
    /// - Throws: ``FeeError/Code/invalidTable`` naming `rates[i].<field>` (the config's `i`).
    public init(_ base: FeeRateTable = .defaults, overriddenBy config: [FeeRatePeriodConfig]) throws(FeeError) {
        var byFrom = Dictionary(base.periods.map { ($0.from, $0) }, uniquingKeysWith: { a, _ in a })
        var seen: [LocalDate: Int] = [:]
        for (i, raw) in config.enumerated() {
            let at = "rates[\(i)]"
            let period = try Self.period(raw, at: at)
            do throws(FeeError) {
                _ = try FeeRateTable(validating: [period])
            } catch {
                var renamed = error
                if renamed.field.hasPrefix("rates[0]") { renamed.field = at + renamed.field.dropFirst("rates[0]".count) }
                throw renamed
            }
            if let j = seen[period.from] {
                throw Self.invalid("\(at).from", "\(period.from) is rates[\(j)].from too: one period per date")
            }
            seen[period.from] = i
            byFrom[period.from] = period
        }
        try self.init(validating: byFrom.values.sorted { $0.from < $1.from })
    }

    /// One config period converted (dates, decimals and names checked), errors under `at`.
    static func period(_ raw: FeeRatePeriodConfig, at: String) throws(FeeError) -> FeeRatePeriod {
        guard let from = LocalDate(raw.from) else {
            throw Self.invalid("\(at).from", "\"\(raw.from)\" is not a date YYYY-MM-DD")
        }
        var payers: Set<FeePayerKind> = []
        for (j, name) in raw.payers.enumerated() {
            guard let kind = FeePayerKind(rawValue: name) else {
                throw Self.invalid("\(at).payers[\(j)]", "\"\(name)\" is not one of miner, hosting_provider")
            }
            payers.insert(kind)
        }
        var rates: [FeeRateCategory: FeeRule] = [:]
        for key in raw.categories.keys.sorted() {
            guard let category = FeeRateCategory(rawValue: key) else {
                throw Self.invalid(
                    "\(at).categories.\(key)", "unknown category (grid, own_renewable, off_grid, own_non_renewable)")
            }
            rates[category] = try Self.rule(raw.categories[key]!, "\(at).categories.\(key)")
        }
        var penalty: FeePenaltyRule?
        if let p = raw.penalty {
            let rule = try Self.rule(p.rule, "\(at).penalty")
            var triggers: Set<FeePenaltyTrigger> = []
            for (j, name) in p.triggers.enumerated() {
                guard let t = FeePenaltyTrigger(rawValue: name) else {
                    throw Self.invalid(
                        "\(at).penalty.triggers[\(j)]", "\"\(name)\" is not one of no_licence, no_control_meter, faulty_meter")
                }
                triggers.insert(t)
            }
            guard let volume = FeePenaltyVolume(rawValue: p.volume) else {
                throw Self.invalid("\(at).penalty.volume", "\"\(p.volume)\" is not one of metered, p_max_times_24h")
            }
            penalty = FeePenaltyRule(rule: rule, triggers: triggers, volume: volume)
        }
        var bands: [FeePriceBand] = []
        for (j, b) in raw.bands.enumerated() {
            let bandAt = "\(at).bands[\(j)]"
            let lo = try FeeDecimal.parse(b.minKZT, scale: 5, field: "\(bandAt).min", code: .invalidTable)
            var hi: Int64?
            if let maxText = b.maxKZT {
                hi = try FeeDecimal.parse(maxText, scale: 5, field: "\(bandAt).max", code: .invalidTable)
            }
            bands.append(FeePriceBand(minMilliTiynPerKWh: lo, maxMilliTiynPerKWh: hi, rule: try Self.rule(b.rule, bandAt)))
        }
        return FeeRatePeriod(
            from: from, source: raw.source, secondary: raw.secondary, payers: payers, rates: rates,
            penalty: penalty, highestApplicableRateWins: raw.highestApplicableRateWins, priceBands: bands)
    }

    private static func rule(_ raw: FeeRatePeriodConfig.Rule, _ field: String) throws(FeeError) -> FeeRule {
        let tiyn = try FeeDecimal.parse(raw.rateKZT, scale: 2, field: "\(field).rate", code: .invalidTable)
        return FeeRule(rateTiynPerKWh: tiyn, rule: raw.rule)
    }
}
