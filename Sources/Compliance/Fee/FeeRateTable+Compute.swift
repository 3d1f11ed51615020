import Metering

extension FeeRateTable {
    /// Computes the fee of one object for one quarter.
    ///
    /// Steps:
    /// 1. The rate period is chosen by the quarter's first day (``period(for:)``); the payer kind must be a
    ///    payer under it (hosting providers from 2026, art. 658).
    /// 2. Each category with metered energy gets its rule: the period's fixed rate, or for `grid` under a
    ///    band table the band containing the quarter's average purchase price (no band: an error asking to
    ///    complete `fee.rates_<year>.bands`).
    /// 3. Penalty triggers: no licence, no control meter, faulty-meter days listed — only those in the
    ///    period's trigger set count. A faulty meter concerns the listed days: their metered Wh per
    ///    category are removed from the category lines. No licence or no control meter concerns **every
    ///    day of the quarter** (assumption: the condition holds for the whole tax period), so all metered
    ///    Wh are removed. One penalty line then charges the days concerned: P_max × 24 h × days
    ///    (`pMaxTimes24h`, 2026) or their metered Wh (`metered`, the 2023 assumption).
    /// 4. "Highest applicable rate wins" (2023): the applicable rates are those of the categories with
    ///    energy, the own non-renewable rate when own non-renewable generation is declared, and the penalty
    ///    rate when it is triggered; every line is charged at the highest of them (assumption: "applicable"
    ///    means triggered for this object in this quarter, and the winner applies to all its energy).
    /// 5. Amounts: exact Wh × tiyn/kWh per line, summed exactly, rounded half-up to the tiyn once at the
    ///    end (see ``FeeComputation``).
    ///
    /// - Throws: ``FeeError`` — ``FeeError/Code/noRatePeriod``, ``FeeError/Code/quarterStraddlesPeriods``,
    ///   ``FeeError/Code/notAPayer``, ``FeeError/Code/missingRate``, ``FeeError/Code/missingPriceBand``,
    ///   ``FeeError/Code/invalidInput`` (missing price, due dates inside the quarter),
    ///   ``FeeError/Code/overflow``; each names the field.
    public func compute(_ input: FeeObjectInput, dueDates: FeeDueDates) throws(FeeError) -> FeeComputation {
        let quarter = input.quarter
        let (index, period) = try period(for: quarter)
        let periodName = "rates[\(index)] (from \(period.from), \(period.source))"
        guard period.payers.contains(input.payerKind) else {
            let payers = period.payers.map(\.rawValue).sorted().joined(separator: ", ")
            throw FeeError(
                code: .notAPayer, field: "payerKind",
                message: "\(input.payerKind) is not a payer under \(periodName); payers: \(payers)")
        }
        for (field, date) in [("dueDates.declaration", dueDates.declaration), ("dueDates.payment", dueDates.payment)]
        where date < quarter.next.firstDay {
            throw FeeError(code: .invalidInput, field: field, message: "\(date) is not after \(quarter) (last day \(quarter.lastDay))")
        }

        var notes: [String] = []
        if let licence = input.licence, licence.date > quarter.firstDay {
            notes.append(
                "licence \(licence.number) is dated \(licence.date), inside \(quarter): the days before it are not charged as unlicensed (check)")
        }

        // 2. Base rules of the categories with energy.
        let categories = FeeRateCategory.allCases.filter { (input.meteredWh[$0] ?? 0) > 0 }
        var rules: [FeeRateCategory: FeeRule] = [:]
        for category in categories {
            rules[category] = try rule(for: category, in: period, name: periodName, input: input)
        }

        // 3. Penalty.
        var fired: [FeePenaltyTrigger] = []
        if input.licence == nil { fired.append(.noLicence) }
        if !input.controlMeterPresent { fired.append(.noControlMeter) }
        if !input.faultyMeterDays.isEmpty { fired.append(.faultyMeter) }
        let triggers = fired.filter { period.penalty?.triggers.contains($0) ?? false }
        let penalty = triggers.isEmpty ? nil : period.penalty
        let wholeQuarter = penalty != nil && (triggers.contains(.noLicence) || triggers.contains(.noControlMeter))
        if !input.faultyMeterDays.isEmpty && penalty == nil {
            notes.append(
                "\(input.faultyMeterDays.count) faulty-meter day(s) listed, but \(periodName) has no faulty-meter penalty: charged on the metered volume")
        }

        var removed: [FeeRateCategory: Int64] = [:]
        for category in categories {
            removed[category] = penalty == nil ? 0 : wholeQuarter ? input.meteredWh[category]! : input.faultyWh(category)
        }
        let removedTotal = try sum(categories.map { removed[$0]! }, field: "meteredWh")
        let daysConcerned = penalty == nil ? 0 : wholeQuarter ? quarter.dayCount : input.faultyMeterDays.count

        // 4. Highest applicable rate wins.
        var winner: FeeRule?
        if period.highestApplicableRateWins {
            var applicable = categories.map { rules[$0]! }
            if input.ownNonRenewableGeneration, let r = period.rates[.ownNonRenewable] { applicable.append(r) }
            if let penalty { applicable.append(penalty.rule) }
            for r in applicable where r.rateTiynPerKWh > (winner?.rateTiynPerKWh ?? -1) { winner = r }
            if let winner {
                notes.append(
                    "highest applicable rate wins (\(periodName)): every line at \(winner.rateKZTText) KZT/kWh (\(winner.rule))")
            }
        }
        func charged(_ own: FeeRule) -> (rule: FeeRule, source: String) {
            if let winner {
                let text = winner == own ? own.rule : "highest applicable rate wins: \(winner.rule)"
                return (FeeRule(rateTiynPerKWh: winner.rateTiynPerKWh, rule: text), "\(period.source): \(text)")
            }
            return (own, "\(period.source): \(own.rule)")
        }

        // Lines.
        var lines: [FeeLine] = []
        for category in categories {
            let metered = input.meteredWh[category]!
            let volume = metered - removed[category]!  // validated: removed ≤ metered
            let (rule, source) = charged(rules[category]!)
            lines.append(
                try line(
                    .category(category), metered: metered, removed: removed[category]!, volume: volume, basis: .metered,
                    rule: rule, source: source, field: "meteredWh.\(category)"))
        }
        if let penalty {
            let triggerText = triggers.map(\.text).joined(separator: ", ")
            let volume: Int64
            let basis: FeeVolumeBasis
            switch penalty.volume {
            case .pMaxTimes24h:
                let (v, overflow) = input.maximumPower.whPerDay.multipliedReportingOverflow(by: Int64(daysConcerned))
                if overflow { throw Self.overflow("maximumPower", "P_max × 24 h × \(daysConcerned) days") }
                volume = v
                basis = .pMaxTimes24h(days: daysConcerned, maximumPower: input.maximumPower)
            case .metered:
                volume = removedTotal
                basis = .metered
                notes.append(
                    "penalty volume = the metered kWh of the \(daysConcerned) day(s) concerned (assumption: \(period.source) gives no volume rule)")
            }
            if wholeQuarter {
                notes.append(
                    "\(triggers.filter { $0 != .faultyMeter }.map(\.text).joined(separator: ", ")): every day of \(quarter) (\(quarter.dayCount) days) is concerned; all metered energy moves to the penalty line")
            }
            let (rule, source) = charged(penalty.rule)
            lines.append(
                try line(
                    .penalty, metered: removedTotal, removed: 0, volume: volume, basis: basis, rule: rule,
                    source: "\(source) (\(triggerText))", field: "maximumPower"))
        }

        // Per-day table of the faulty days.
        var rows: [FeeFaultyDayRow] = []
        for (i, day) in input.faultyMeterDays.enumerated() {
            let metered = try sum(day.meteredWh.keys.sorted().map { day.meteredWh[$0]! }, field: "faultyMeterDays[\(i)].meteredWh")
            let penaltyWh: Int64 =
                switch penalty?.volume {
                case .pMaxTimes24h: input.maximumPower.whPerDay
                case .metered: metered
                case nil: 0
                }
            rows.append(FeeFaultyDayRow(date: day.date, meteredWh: metered, penaltyWh: penaltyWh, penalised: penalty != nil))
        }

        // 5. Total, rounded once.
        let exactTotal = try sum(lines.map(\.exactMilliTiyn), field: "total")
        let totalVolume = try sum(lines.map(\.volumeWh), field: "total")
        return FeeComputation(
            quarter: quarter, object: input.object, payerKind: input.payerKind, client: input.client,
            periodIndex: index, period: period, lines: lines, penaltyTriggers: penalty == nil ? [] : triggers,
            faultyDays: rows, notes: notes, totalVolumeWh: totalVolume, exactTotalMilliTiyn: exactTotal,
            totalTiyn: try Self.roundHalfUp(exactTotal, field: "total"), dueDates: dueDates)
    }

    private func rule(
        for category: FeeRateCategory, in period: FeeRatePeriod, name: String, input: FeeObjectInput
    ) throws(FeeError) -> FeeRule {
        if category == .grid, !period.priceBands.isEmpty {
            guard let price = input.averagePurchasePrice else {
                throw FeeError(
                    code: .invalidInput, field: "averagePurchasePrice",
                    message: "required: \(name) sets the grid rate by the quarter's average purchase price of electricity")
            }
            guard let band = period.band(forMilliTiynPerKWh: price.milliTiynPerKWh) else {
                throw FeeError(
                    code: .missingPriceBand, field: "averagePurchasePrice",
                    message: "the \(period.from.year) band table has no band for \(price) KZT/kWh: complete \(period.bandsConfigKey) in the config")
            }
            return FeeRule(
                rateTiynPerKWh: band.rule.rateTiynPerKWh,
                rule: "\(band.rule.rule) (average purchase price \(price) KZT/kWh in \(band.rangeText))")
        }
        guard let rule = period.rates[category] else {
            throw FeeError(code: .missingRate, field: "meteredWh.\(category)", message: "\(name) has no rate for \(category)")
        }
        return rule
    }

    private func line(
        _ kind: FeeLineKind, metered: Int64, removed: Int64, volume: Int64, basis: FeeVolumeBasis,
        rule: FeeRule, source: String, field: String
    ) throws(FeeError) -> FeeLine {
        let (exact, overflow) = volume.multipliedReportingOverflow(by: rule.rateTiynPerKWh)
        if overflow { throw Self.overflow(field, "\(volume) Wh × \(rule.rateTiynPerKWh) tiyn/kWh") }
        return FeeLine(
            kind: kind, meteredWh: metered, removedWh: removed, volumeWh: volume, basis: basis,
            rateTiynPerKWh: rule.rateTiynPerKWh, rule: rule.rule, source: source, exactMilliTiyn: exact,
            amountTiyn: try Self.roundHalfUp(exact, field: field))
    }

    private func sum(_ values: [Int64], field: String) throws(FeeError) -> Int64 {
        var total: Int64 = 0
        for v in values {
            let (s, overflow) = total.addingReportingOverflow(v)
            if overflow { throw Self.overflow(field, "the sum") }
            total = s
        }
        return total
    }

    /// `x / 1000` rounded half-up (x ≥ 0): milli-tiyn to tiyn.
    static func roundHalfUp(_ milliTiyn: Int64, field: String) throws(FeeError) -> Int64 {
        let (s, overflow) = milliTiyn.addingReportingOverflow(500)
        if overflow { throw Self.overflow(field, "rounding \(milliTiyn) milli-tiyn") }
        return s / 1000
    }

    static func overflow(_ field: String, _ what: String) -> FeeError {
        FeeError(code: .overflow, field: field, message: "\(what) does not fit in Int64 (absurd input?)")
    }
}
