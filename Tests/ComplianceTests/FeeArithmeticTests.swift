import Compliance
import Metering
import Testing

@Suite("Fee arithmetic")
struct FeeArithmeticTests {
    @Test("rounding: 1,234,567 Wh at 2 KZT = 2469.134 KZT → 246,913 tiyn")
    func roundDown() throws {
        let c = try fee(object(2026, 3, [.grid: 1_234_567]))
        let grid = try #require(c.line(.category(.grid)))
        #expect(grid.kWhText == "1234.567")
        #expect(grid.exactMilliTiyn == 246_913_400)
        #expect(grid.amountTiyn == 246_913)
        #expect(c.totalTiyn == 246_913)
        #expect(c.totalKZTText == "2469.13")
    }

    @Test("rounding is half-up, once, on the exact total")
    func halfUp() throws {
        // 1,000,005 Wh × 100 tiyn/kWh = 100,000,500 milli-tiyn → 100,001 tiyn.
        #expect(try fee(object(2026, 3, [.ownRenewable: 1_000_005])).totalTiyn == 100_001)
        // Two lines of 0.4 tiyn each: lines round to 0, the exact total 0.8 rounds to 1.
        let c = try fee(object(2026, 3, [.grid: 2, .ownRenewable: 4]))
        #expect(c.lines.map(\.exactMilliTiyn) == [400, 400])
        #expect(c.lines.map(\.amountTiyn) == [0, 0])
        #expect(c.totalTiyn == 1)
    }

    @Test("overflow: absurd Wh gives an error, not a trap")
    func overflow() throws {
        let product = feeError { () throws(FeeError) in try fee(object(2026, 3, [.grid: Int64.max / 100])) }
        #expect(product?.code == .overflow)
        #expect(product?.field == "meteredWh.grid")
        let sum = feeError { () throws(FeeError) in
            try fee(object(2026, 3, [.grid: Int64.max / 250, .ownRenewable: Int64.max / 150]))
        }
        #expect(sum?.code == .overflow)
        #expect(sum?.field == "total")
        let faultySum = feeError { () throws(FeeError) in
            try object(
                2026, 3, [.grid: Int64.max],
                faulty: [
                    FeeFaultyMeterDay(date: day("2026-07-01"), meteredWh: [.grid: Int64.max]),
                    FeeFaultyMeterDay(date: day("2026-07-02"), meteredWh: [.grid: 1]),
                ])
        }
        #expect(faultySum?.code == .overflow)
        #expect(faultySum?.field == "faultyMeterDays[1].meteredWh.grid")
    }

    @Test("decimal text converts exactly, and too many decimals are refused")
    func decimals() throws {
        #expect(try FeeDecimal.parse("2", scale: 2, field: "f", code: .invalidTable) == 200)
        #expect(try FeeDecimal.parse("1.5", scale: 2, field: "f", code: .invalidTable) == 150)
        #expect(try FeeDecimal.parse(" 0.25 ", scale: 2, field: "f", code: .invalidTable) == 25)
        for bad in ["1.234", "-1", "", "1.", ".5", "1e3", "1,5", "99999999999999999999"] {
            let error = feeError { () throws(FeeError) in try FeeDecimal.parse(bad, scale: 2, field: "f", code: .invalidTable) }
            #expect(error?.field == "f", "\(bad)")
        }
        #expect(FeeDecimal.format(246_913, scale: 2) == "2469.13")
        #expect(FeeDecimal.format(5, scale: 3) == "0.005")
        #expect(FeeDecimal.format(750_000, scale: 5, minimumDecimals: 2) == "7.50")
    }
}
