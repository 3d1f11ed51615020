import Metering

extension FeeRateTable {
    /// The four rate periods of DOMAIN.md ("Fee rates"), with their sources as listed there (the
    /// table's ", secondary" is the ``FeeRatePeriod/secondary`` flag, not part of the source text):
    ///
    /// | from | rates (KZT/kWh) | source |
    /// |---|---|---|
    /// | 2022-01-01 | 1 flat, every category | Tax Code 2017 art. 606-3 (Law 53-VII), secondary |
    /// | 2023-01-01 | grid by average purchase price: bands [24, ∞) → 1 and [5, 10) → 10 only (the full band table is not confirmed: the operator completes them with a `[[fee.rates]]` period from 2023-01-01); own renewables 1; own non-renewable generation 10; 25 with no control meter or a faulty meter on the metered kWh; the highest applicable rate wins | Law 135-VII, secondary |
    /// | 2024-01-01 | 2; 1 for renewable or off-grid generation | Law 45-VIII, secondary |
    /// | 2026-01-01 | 2 default; 1 own renewables in Kazakhstan or off-grid; 25 with no licence, no control meter or a faulty meter on P_max × 24 h per day concerned | Tax Code 2026, arts. 657–661 (unofficial copy of the text; check the official one) |
    ///
    /// Assumptions: before 2026 only miners are payers (hosting providers from 2026, art. 658); the 2023
    /// period has no off-grid rate (Law 135-VII as summarised names none); from 2024 own non-renewable
    /// generation is neither renewable nor off-grid, so it pays the default rate; rule texts cite no
    /// article points, which could not be checked against the official text.
    public static let defaults = FeeRateTable(unchecked: [
        FeeRatePeriod(
            from: LocalDate(year: 2022, month: 1, day: 1)!,
            source: "Tax Code 2017 art. 606-3 (Law 53-VII)", secondary: true, payers: [.miner],
            rates: [
                .grid: FeeRule(rateTiynPerKWh: 100, rule: "flat rate"),
                .ownRenewable: FeeRule(rateTiynPerKWh: 100, rule: "flat rate"),
                .offGrid: FeeRule(rateTiynPerKWh: 100, rule: "flat rate"),
                .ownNonRenewable: FeeRule(rateTiynPerKWh: 100, rule: "flat rate"),
            ]),
        FeeRatePeriod(
            from: LocalDate(year: 2023, month: 1, day: 1)!,
            source: "Law 135-VII", secondary: true, payers: [.miner],
            rates: [
                .ownRenewable: FeeRule(rateTiynPerKWh: 100, rule: "own renewables"),
                .ownNonRenewable: FeeRule(rateTiynPerKWh: 1000, rule: "own non-renewable generation"),
            ],
            penalty: FeePenaltyRule(
                rule: FeeRule(rateTiynPerKWh: 2500, rule: "no or a faulty meter"),
                triggers: [.noControlMeter, .faultyMeter], volume: .metered),
            highestApplicableRateWins: true,
            priceBands: [
                FeePriceBand(
                    minMilliTiynPerKWh: 2_400_000, maxMilliTiynPerKWh: nil,
                    rule: FeeRule(rateTiynPerKWh: 100, rule: "average purchase price ≥ 24 KZT/kWh")),
                FeePriceBand(
                    minMilliTiynPerKWh: 500_000, maxMilliTiynPerKWh: 1_000_000,
                    rule: FeeRule(rateTiynPerKWh: 1000, rule: "average purchase price 5–10 KZT/kWh (band table unconfirmed)")),
            ]),
        FeeRatePeriod(
            from: LocalDate(year: 2024, month: 1, day: 1)!,
            source: "Law 45-VIII", secondary: true, payers: [.miner],
            rates: [
                .grid: FeeRule(rateTiynPerKWh: 200, rule: "default rate"),
                .ownRenewable: FeeRule(rateTiynPerKWh: 100, rule: "renewable generation"),
                .offGrid: FeeRule(rateTiynPerKWh: 100, rule: "off-grid generation"),
                .ownNonRenewable: FeeRule(rateTiynPerKWh: 200, rule: "default rate"),
            ]),
        FeeRatePeriod(
            from: LocalDate(year: 2026, month: 1, day: 1)!,
            source: "Tax Code 2026, arts. 657–661 (unofficial copy of the text; check the official one)",
            secondary: false, payers: [.miner, .hostingProvider],
            rates: [
                .grid: FeeRule(rateTiynPerKWh: 200, rule: "default rate"),
                .ownRenewable: FeeRule(rateTiynPerKWh: 100, rule: "own renewable plants in Kazakhstan"),
                .offGrid: FeeRule(rateTiynPerKWh: 100, rule: "generation not connected to the unified power system"),
                .ownNonRenewable: FeeRule(rateTiynPerKWh: 200, rule: "default rate"),
            ],
            penalty: FeePenaltyRule(
                rule: FeeRule(
                    rateTiynPerKWh: 2500,
                    rule: "no mining licence, no control meter or a faulty meter: round-the-clock consumption at maximum power"),
                triggers: [.noLicence, .noControlMeter, .faultyMeter], volume: .pMaxTimes24h)),
    ])

    /// For compile-time constants only; ``defaults`` is checked by a test through ``init(validating:)``.
    private init(unchecked periods: [FeeRatePeriod]) {
        self.periods = periods
    }
}
