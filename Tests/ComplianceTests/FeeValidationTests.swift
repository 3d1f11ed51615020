import Compliance
import Metering
import SiteConfig
import Testing

@Suite("Fee validation")
struct FeeValidationTests {
    static func period(_ from: String, grid: String = "2", bands: [FeeRatePeriodConfig.Band] = []) -> FeeRatePeriodConfig {
        FeeRatePeriodConfig(
            from: from, source: "test", secondary: false, payers: ["miner"],
            categories: bands.isEmpty ? ["grid": .init(rateKZT: grid, rule: "default rate")] : [:], bands: bands)
    }

    static func tableError(_ config: [FeeRatePeriodConfig]) -> FeeError? {
        feeError { () throws(FeeError) in try FeeRateTable(config: config) }
    }

    @Test("periods must be in strictly increasing from order")
    func order() {
        let error = Self.tableError([Self.period("2022-01-01"), Self.period("2024-01-01"), Self.period("2024-01-01")])
        #expect(error?.code == .invalidTable)
        #expect(error?.description == "rates[2].from: 2024-01-01 is not after rates[1].from 2024-01-01")
        #expect(Self.tableError([Self.period("2024-13-01")])?.field == "rates[0].from")
    }

    @Test("rates are 0…1000 KZT/kWh with at most 2 decimals")
    func rates() {
        #expect(Self.tableError([Self.period("2022-01-01", grid: "1.234")])?.field == "rates[0].categories.grid.rate")
        #expect(Self.tableError([Self.period("2022-01-01"), Self.period("2023-01-01", grid: "1000.01")])?.field == "rates[1].categories.grid.rate")
        #expect(Self.tableError([Self.period("2022-01-01", grid: "-1")])?.field == "rates[0].categories.grid.rate")
        #expect(Self.tableError([Self.period("2022-01-01", grid: "1000")]) == nil)
        let typed = feeError { () throws(FeeError) in
            try FeeRateTable(validating: [
                FeeRatePeriod(
                    from: day("2022-01-01"), source: "x", secondary: false, payers: [.miner],
                    rates: [.offGrid: FeeRule(rateTiynPerKWh: -1, rule: "r")])
            ])
        }
        #expect(typed?.field == "rates[0].categories.off_grid.rate")
    }

    @Test("bands must not overlap, and a table with bands has no fixed grid rate")
    func bands() {
        let rule = FeeRatePeriodConfig.Rule(rateKZT: "10", rule: "r")
        let overlapping = Self.tableError([
            Self.period("2023-01-01", bands: [.init(minKZT: "5", maxKZT: "10", rule: rule), .init(minKZT: "9.99", maxKZT: "12", rule: rule)])
        ])
        #expect(overlapping?.field == "rates[0].bands[1]")
        #expect(overlapping?.message.contains("overlaps rates[0].bands[0]") == true)
        let unbounded = Self.tableError([
            Self.period("2023-01-01", bands: [.init(minKZT: "24", maxKZT: nil, rule: rule), .init(minKZT: "30", maxKZT: "40", rule: rule)])
        ])
        #expect(unbounded?.field == "rates[0].bands[1]")
        let empty = Self.tableError([Self.period("2023-01-01", bands: [.init(minKZT: "5", maxKZT: "5", rule: rule)])])
        #expect(empty?.field == "rates[0].bands[0].max")
        #expect(Self.tableError([Self.period("2023-01-01", bands: [.init(minKZT: "5", maxKZT: "10", rule: rule), .init(minKZT: "10", maxKZT: nil, rule: rule)])]) == nil)
        var both = Self.period("2023-01-01", bands: [.init(minKZT: "5", maxKZT: "10", rule: rule)])
        both.categories["grid"] = rule
        #expect(Self.tableError([both])?.field == "rates[0].categories.grid")
    }

    @Test("unknown names in the config are refused by field")
    func names() {
        var p = Self.period("2022-01-01")
        p.categories["coal"] = .init(rateKZT: "1", rule: "r")
        #expect(Self.tableError([p])?.field == "rates[0].categories.coal")
        var q = Self.period("2022-01-01")
        q.payers = ["miner", "pool"]
        #expect(Self.tableError([q])?.field == "rates[0].payers[1]")
        var r = Self.period("2022-01-01")
        r.penalty = .init(rule: .init(rateKZT: "25", rule: "p"), triggers: ["faulty_meter"], volume: "daily")
        #expect(Self.tableError([r])?.field == "rates[0].penalty.volume")
        #expect(Self.tableError([])?.field == "rates")
    }

    @Test("the 2026 default period round-trips from config text")
    func configMatchesDefaults() throws {
        let config = FeeRatePeriodConfig(
            from: "2026-01-01",
            source: "Tax Code 2026, arts. 657–661 (unofficial copy of the text; check the official one)",
            secondary: false, payers: ["miner", "hosting_provider"],
            categories: [
                "grid": .init(rateKZT: "2", rule: "default rate"),
                "own_renewable": .init(rateKZT: "1", rule: "own renewable plants in Kazakhstan"),
                "off_grid": .init(rateKZT: "1.00", rule: "generation not connected to the unified power system"),
                "own_non_renewable": .init(rateKZT: "2", rule: "default rate"),
            ],
            penalty: .init(
                rule: .init(
                    rateKZT: "25",
                    rule: "no mining licence, no control meter or a faulty meter: round-the-clock consumption at maximum power"),
                triggers: ["no_licence", "no_control_meter", "faulty_meter"], volume: "p_max_times_24h"))
        #expect(try FeeRateTable(config: [config]).periods[0] == FeeRateTable.defaults.periods[3])
    }

    @Test("inputs are range-checked and errors name the field")
    func inputs() throws {
        #expect(Quarter(year: 2026, number: 5) == nil)  // Metering's quarter: only 1…4
        #expect(feeError { () throws(FeeError) in try FeePower(megawatts: "0") }?.field == "maximumPower")
        #expect(feeError { () throws(FeeError) in try FeePower(megawatts: "10000.001") }?.field == "maximumPower")
        #expect(feeError { () throws(FeeError) in try FeePower(megawatts: "1.0005") }?.field == "maximumPower")
        #expect(try FeePower(megawatts: "10000").kilowatts == 10_000_000)
        #expect(feeError { () throws(FeeError) in try FeePrice(kzt: "1000.00001") }?.field == "averagePurchasePrice")
        #expect(feeError { () throws(FeeError) in try object(2026, 3, [.grid: -1]) }?.field == "meteredWh.grid")
        let outside = feeError { () throws(FeeError) in
            try object(2026, 3, [.grid: 10], faulty: [FeeFaultyMeterDay(date: day("2026-10-01"), meteredWh: [.grid: 1])])
        }
        #expect(outside?.description == "faultyMeterDays[0].date: 2026-10-01 is not in 2026Q3 (2026-07-01…2026-09-30)")
        let twice = feeError { () throws(FeeError) in
            try object(
                2026, 3, [.grid: 10],
                faulty: [
                    FeeFaultyMeterDay(date: day("2026-07-01"), meteredWh: [.grid: 1]),
                    FeeFaultyMeterDay(date: day("2026-07-01"), meteredWh: [.grid: 1]),
                ])
        }
        #expect(twice?.field == "faultyMeterDays[1].date")
        let tooMuch = feeError { () throws(FeeError) in
            try object(2026, 3, [.grid: 10], faulty: [FeeFaultyMeterDay(date: day("2026-07-01"), meteredWh: [.grid: 11])])
        }
        #expect(tooMuch?.field == "faultyMeterDays.meteredWh.grid")
        let negativeDay = feeError { () throws(FeeError) in
            try object(2026, 3, [.grid: 10], faulty: [FeeFaultyMeterDay(date: day("2026-07-01"), meteredWh: [.offGrid: -1])])
        }
        #expect(negativeDay?.field == "faultyMeterDays[0].meteredWh.off_grid")
        let lateLicence = feeError { () throws(FeeError) in
            try object(2026, 3, [.grid: 10], licence: FeeLicence(number: "L-1", date: day("2026-10-01")))
        }
        #expect(lateLicence?.field == "licence.date")
        let input = try object(2026, 3, [.grid: 10])
        let early = feeError { () throws(FeeError) in
            try FeeRateTable.defaults.compute(
                input, dueDates: FeeDueDates(declaration: day("2026-09-30"), payment: day("2026-11-25")))
        }
        #expect(early?.field == "dueDates.declaration")
    }

    @Test("[[fee.rates]] replaces the shipped period with its from, adds others, and names its own index")
    func overrides() throws {
        let rule = FeeRatePeriodConfig.Rule(rateKZT: "5", rule: "operator's band 10–24 KZT/kWh")
        var completed = Self.period(
            "2023-01-01",
            bands: [
                .init(minKZT: "24", maxKZT: nil, rule: .init(rateKZT: "1", rule: "≥ 24")), .init(minKZT: "10", maxKZT: "24", rule: rule),
                .init(minKZT: "0", maxKZT: "10", rule: .init(rateKZT: "10", rule: "< 10")),
            ])
        completed.highestApplicableRateWins = true
        let table = try FeeRateTable(overriddenBy: [completed, Self.period("2027-01-01", grid: "3")])
        #expect(table.periods.map(\.from.description) == ["2022-01-01", "2023-01-01", "2024-01-01", "2026-01-01", "2027-01-01"])
        #expect(table.periods[0] == FeeRateTable.defaults.periods[0] && table.periods[3] == FeeRateTable.defaults.periods[3])
        // A 2023 price of 15 KZT/kWh, which the shipped table has no band for, now finds one.
        let input = try object(2023, 4, [.grid: 1_000_000], price: "15")
        let computed = try table.compute(input, dueDates: dueDates(input.quarter))
        #expect(computed.lines.first?.rateTiynPerKWh == 500)
        #expect(computed.lines.first?.rule.hasPrefix("operator's band 10–24 KZT/kWh") == true)
        #expect(feeError { () throws(FeeError) in try fee(input) }?.code == .missingPriceBand)

        // Errors name the config's own index, also for checks of the whole period.
        var overlapping = completed
        overlapping.bands[1].maxKZT = "25"
        let overlap = feeError { () throws(FeeError) in try FeeRateTable(overriddenBy: [Self.period("2027-01-01"), overlapping]) }
        #expect(overlap?.field == "rates[1].bands[0]", "\(String(describing: overlap))")
        let twice = feeError { () throws(FeeError) in try FeeRateTable(overriddenBy: [Self.period("2027-01-01"), Self.period("2027-01-01")]) }
        #expect(twice?.field == "rates[1].from")
        #expect(feeError { () throws(FeeError) in try FeeRateTable(overriddenBy: [Self.period("2027-01-01", grid: "2.001")]) }?.field
            == "rates[0].categories.grid.rate")
    }
}
