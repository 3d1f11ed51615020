import Compliance
import Metering
import Testing

@Suite("Fee rate periods")
struct FeeRatePeriodTests {
    @Test("the default table validates and names its sources as DOMAIN.md does")
    func defaultsValidate() throws {
        let table = try FeeRateTable(validating: FeeRateTable.defaults.periods)
        #expect(table.periods.map(\.from.description) == ["2022-01-01", "2023-01-01", "2024-01-01", "2026-01-01"])
        #expect(
            table.periods.map(\.source) == [
                "Tax Code 2017 art. 606-3 (Law 53-VII)", "Law 135-VII", "Law 45-VIII",
                "Tax Code 2026, arts. 657–661 (unofficial copy of the text; check the official one)",
            ])
        #expect(table.periods.map(\.secondary) == [true, true, true, false])
        #expect(table.periods[1].bandsConfigKey == "[[fee.rates]] from = \"2023-01-01\" (its [[fee.rates.bands]])")
    }

    @Test("2022: 1 KZT/kWh flat")
    func flat2022() throws {
        let c = try fee(object(2022, 2, [.grid: 1_000_000, .ownRenewable: 500_000], licence: nil))
        #expect(c.periodIndex == 0)
        #expect(c.lines.map(\.rateTiynPerKWh) == [100, 100])
        #expect(c.line(.category(.grid))?.amountTiyn == 100_000)
        #expect(c.totalTiyn == 150_000)
        #expect(c.totalKZTText == "1500.00")
        #expect(c.lines.allSatisfy { $0.source.hasPrefix("Tax Code 2017 art. 606-3 (Law 53-VII): flat rate") })
        #expect(c.penaltyTriggers.isEmpty)  // no penalty rule in 2022, even without a licence
    }

    @Test("2022: faulty days are listed but not penalised")
    func faulty2022() throws {
        let c = try fee(
            object(2022, 3, [.grid: 1_000_000], faulty: [FeeFaultyMeterDay(date: day("2022-07-02"), meteredWh: [.grid: 1000])]))
        #expect(c.totalTiyn == 100_000)
        #expect(c.faultyDays == [FeeFaultyDayRow(date: day("2022-07-02"), meteredWh: 1000, penaltyWh: 0, penalised: false)])
        #expect(c.notes.contains { $0.contains("no faulty-meter penalty") })
    }

    @Test("2023: average purchase price ≥ 24 gives 1 KZT/kWh")
    func band24() throws {
        let c = try fee(object(2023, 2, [.grid: 2_000_000], price: "24"))
        #expect(c.periodIndex == 1)
        #expect(c.line(.category(.grid))?.rateTiynPerKWh == 100)
        #expect(c.totalTiyn == 200_000)
        #expect(c.line(.category(.grid))?.rule.contains("[24.00, ∞)") == true)
    }

    @Test("2023: a price in [5, 10) gives 10 KZT/kWh; 10 itself is outside the band")
    func band5to10() throws {
        let c = try fee(object(2023, 3, [.grid: 2_000_000], price: "7.5"))
        #expect(c.line(.category(.grid))?.rateTiynPerKWh == 1000)
        #expect(c.totalTiyn == 2_000_000)
        let atTen = feeError { () throws(FeeError) in try fee(object(2023, 3, [.grid: 1], price: "10")) }
        #expect(atTen?.code == .missingPriceBand)
    }

    @Test("2023: a price in no band asks to complete the 2023 [[fee.rates]] period's bands")
    func noBand() throws {
        let input = try object(2023, 4, [.grid: 1_000_000], price: "15")
        let error = feeError { () throws(FeeError) in try fee(input) }
        #expect(error?.code == .missingPriceBand)
        #expect(error?.field == "averagePurchasePrice")
        #expect(
            error?.message == "the 2023 band table has no band for 15.00 KZT/kWh: complete [[fee.rates]] from = \"2023-01-01\" (its [[fee.rates.bands]]) in the config")
        #expect(error?.description.contains("[[fee.rates.bands]]") == true)
    }

    @Test("2023: grid energy needs the average purchase price")
    func missingPrice() throws {
        let error = feeError { () throws(FeeError) in try fee(object(2023, 2, [.grid: 1_000_000])) }
        #expect(error?.code == .invalidInput)
        #expect(error?.field == "averagePurchasePrice")
    }

    @Test("2023: own non-renewable generation gives 10 KZT/kWh, and the highest rate wins for all energy")
    func ownNonRenewable2023() throws {
        let c = try fee(
            object(2023, 3, [.grid: 1_000_000, .ownNonRenewable: 500_000], price: "30", ownNonRenewable: true))
        #expect(c.lines.map(\.rateTiynPerKWh) == [1000, 1000])
        #expect(c.line(.category(.grid))?.source == "Law 135-VII: highest applicable rate wins: own non-renewable generation")
        #expect(c.line(.category(.ownNonRenewable))?.source == "Law 135-VII: own non-renewable generation")
        #expect(c.exactTotalMilliTiyn == 1_500_000_000)
        #expect(c.totalTiyn == 1_500_000)
    }

    @Test("2023: own non-renewable energy without the generation flag is refused")
    func ownNonRenewableFlag() throws {
        let error = feeError { () throws(FeeError) in try object(2023, 3, [.ownNonRenewable: 1], price: "30") }
        #expect(error?.field == "ownNonRenewableGeneration")
    }

    @Test("2023: a faulty meter with the highest-wins rule puts 25 KZT/kWh on everything, on the metered volume")
    func faulty2023() throws {
        let faulty = [
            FeeFaultyMeterDay(date: day("2023-08-01"), meteredWh: [.grid: 10_000]),
            FeeFaultyMeterDay(date: day("2023-08-02"), meteredWh: [.grid: 10_000]),
        ]
        let c = try fee(object(2023, 3, [.grid: 1_000_000, .ownRenewable: 200_000], faulty: faulty, price: "30"))
        #expect(c.penaltyTriggers == [.faultyMeter])
        #expect(c.lines.map(\.kind) == [.category(.grid), .category(.ownRenewable), .penalty])
        #expect(c.lines.allSatisfy { $0.rateTiynPerKWh == 2500 })
        #expect(c.lines.map(\.volumeWh) == [980_000, 200_000, 20_000])
        #expect(c.line(.penalty)?.basis == .metered)
        #expect(c.totalVolumeWh == 1_200_000)
        #expect(c.totalTiyn == 3_000_000)  // 1,200 kWh × 25 KZT = 30,000.00 KZT
        #expect(c.faultyDays.map(\.penaltyWh) == [10_000, 10_000])
    }

    @Test("2023: off-grid energy has no rate")
    func offGrid2023() throws {
        let error = feeError { () throws(FeeError) in try fee(object(2023, 3, [.offGrid: 1_000])) }
        #expect(error?.code == .missingRate)
        #expect(error?.field == "meteredWh.off_grid")
    }

    @Test("2024: grid 2, renewable 1, off-grid 1")
    func rates2024() throws {
        let c = try fee(object(2024, 1, [.grid: 1_000_000, .ownRenewable: 3_000_000, .offGrid: 2_000_000]))
        #expect(c.periodIndex == 2)
        #expect(c.lines.map(\.rateTiynPerKWh) == [200, 100, 100])
        #expect(c.lines.map(\.amountTiyn) == [200_000, 300_000, 200_000])
        #expect(c.totalTiyn == 700_000)
        #expect(c.line(.category(.ownRenewable))?.source == "Law 45-VIII: renewable generation")
    }

    @Test("2025 Q4 still uses the 2024 period")
    func q4of2025() throws {
        let c = try fee(object(2025, 4, [.grid: 1_000]))
        #expect(c.period.source == "Law 45-VIII")
    }

    @Test("2026: grid 2, own renewables 1, off-grid 1")
    func rates2026() throws {
        let c = try fee(object(2026, 1, [.grid: 1_000_000, .ownRenewable: 1_000_000, .offGrid: 1_000_000]))
        #expect(c.periodIndex == 3)
        #expect(c.lines.map(\.rateTiynPerKWh) == [200, 100, 100])
        #expect(c.totalTiyn == 400_000)
        #expect(
            c.line(.category(.ownRenewable))?.source
                == "Tax Code 2026, arts. 657–661 (unofficial copy of the text; check the official one): own renewable plants in Kazakhstan")
        #expect(c.line(.category(.offGrid))?.rule == "generation not connected to the unified power system")
    }

    @Test("2026: 3 faulty days at P_max 5 MW → 360,000 kWh at 25 KZT = 9,000,000 KZT; the days' Wh leave the normal lines")
    func faulty2026() throws {
        let faulty = [
            FeeFaultyMeterDay(date: day("2026-07-10"), meteredWh: [.grid: 1_000_000]),
            FeeFaultyMeterDay(date: day("2026-07-11"), meteredWh: [.grid: 1_000_000, .ownRenewable: 500_000]),
            FeeFaultyMeterDay(date: day("2026-07-12"), meteredWh: [.grid: 1_000_000]),
        ]
        let c = try fee(object(2026, 3, [.grid: 100_000_000, .ownRenewable: 10_000_000], faulty: faulty))
        let grid = try #require(c.line(.category(.grid)))
        #expect(grid.meteredWh == 100_000_000)
        #expect(grid.removedWh == 3_000_000)
        #expect(grid.volumeWh == 97_000_000)
        #expect(grid.amountTiyn == 19_400_000)
        let renewable = try #require(c.line(.category(.ownRenewable)))
        #expect(renewable.volumeWh == 9_500_000)
        #expect(renewable.amountTiyn == 950_000)
        let penalty = try #require(c.line(.penalty))
        #expect(penalty.basis == .pMaxTimes24h(days: 3, maximumPower: try FeePower(kilowatts: 5_000)))
        #expect(penalty.volumeWh == 360_000_000)
        #expect(penalty.kWhText == "360000.000")
        #expect(penalty.meteredWh == 3_500_000)
        #expect(penalty.rateTiynPerKWh == 2500)
        #expect(penalty.amountTiyn == 900_000_000)
        #expect(penalty.amountKZTText == "9000000.00")
        #expect(c.totalTiyn == 920_350_000)
        #expect(c.penaltyTriggers == [.faultyMeter])
        #expect(
            c.faultyDays == [
                FeeFaultyDayRow(date: day("2026-07-10"), meteredWh: 1_000_000, penaltyWh: 120_000_000, penalised: true),
                FeeFaultyDayRow(date: day("2026-07-11"), meteredWh: 1_500_000, penaltyWh: 120_000_000, penalised: true),
                FeeFaultyDayRow(date: day("2026-07-12"), meteredWh: 1_000_000, penaltyWh: 120_000_000, penalised: true),
            ])
    }

    @Test("2026: no licence → every day of Q3 (92 days) at P_max × 24 h")
    func noLicence2026() throws {
        let c = try fee(object(2026, 3, [.grid: 50_000_000, .ownRenewable: 1_000_000], licence: nil))
        #expect(c.quarter.dayCount == 92)
        #expect(c.penaltyTriggers == [.noLicence])
        #expect(c.lines.filter { $0.kind != .penalty }.allSatisfy { $0.volumeWh == 0 && $0.amountTiyn == 0 })
        let penalty = try #require(c.line(.penalty))
        #expect(penalty.basis == .pMaxTimes24h(days: 92, maximumPower: try FeePower(megawatts: "5")))
        #expect(penalty.volumeWh == 11_040_000_000)  // 92 × 24 h × 5,000 kW
        #expect(penalty.meteredWh == 51_000_000)
        #expect(c.totalTiyn == 27_600_000_000)  // 276,000,000.00 KZT
        #expect(c.notes.contains { $0.contains("every day of 2026Q3 (92 days)") })
    }

    @Test("2026: no control meter → the whole quarter too (Q1 2026 has 90 days)")
    func noControlMeter2026() throws {
        let c = try fee(object(2026, 1, [.grid: 1_000], controlMeter: false, pMaxMW: "0.5"))
        let volume = try #require(c.line(.penalty)?.volumeWh)
        #expect(volume == 1_080_000_000)  // 90 days × 24 h × 500 kW
        #expect(c.line(.penalty)?.basis == .pMaxTimes24h(days: 90, maximumPower: try FeePower(kilowatts: 500)))
        #expect(c.penaltyTriggers == [.noControlMeter])
    }

    @Test("2026: a hosting provider pays per hosted client; before 2026 it is not a payer")
    func hosting() throws {
        let client = FeeHostedClient(name: "Client \"A\" LLP", binOrIIN: "123456789012")
        let c = try fee(object(2026, 2, [.grid: 1_000], payer: .hostingProvider, client: client))
        #expect(c.client == client)
        let error = feeError { () throws(FeeError) in
            try fee(object(2024, 2, [.grid: 1_000], payer: .hostingProvider, client: client))
        }
        #expect(error?.code == .notAPayer)
        #expect(error?.field == "payerKind")
        let noClient = feeError { () throws(FeeError) in try object(2026, 2, [.grid: 1], payer: .hostingProvider) }
        #expect(noClient?.field == "client")
    }

    @Test("a quarter before the first period has no rate")
    func beforeTable() throws {
        let error = feeError { () throws(FeeError) in try fee(object(2021, 4, [.grid: 1_000])) }
        #expect(error?.code == .noRatePeriod)
    }

    @Test("a rate change inside a quarter fails, naming both periods")
    func straddle() throws {
        let rule = FeeRule(rateTiynPerKWh: 100, rule: "flat")
        let table = try FeeRateTable(validating: [
            FeeRatePeriod(from: day("2022-01-01"), source: "A", secondary: false, payers: [.miner], rates: [.grid: rule]),
            FeeRatePeriod(from: day("2022-02-01"), source: "B", secondary: false, payers: [.miner], rates: [.grid: rule]),
        ])
        let input = try object(2022, 1, [.grid: 1_000])
        let error = feeError { () throws(FeeError) in try table.compute(input, dueDates: dueDates(input.quarter)) }
        #expect(error?.code == .quarterStraddlesPeriods)
        #expect(error?.message.contains("rates[0] (from 2022-01-01, A)") == true)
        #expect(error?.message.contains("rates[1] (from 2022-02-01, B)") == true)
        #expect(try table.compute(object(2022, 2, [.grid: 1_000]), dueDates: dueDates(Quarter(year: 2022, number: 2)!)).period.source == "B")
    }
}
