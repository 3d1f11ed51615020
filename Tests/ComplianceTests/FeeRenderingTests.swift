import Compliance
import Foundation
import Metering
import Testing

@Suite("Fee rendering")
struct FeeRenderingTests {
    static func faultyCase(object name: String = "Ekibastuz site 1") throws -> FeeComputation {
        let faulty = (10...12).map { FeeFaultyMeterDay(date: day("2026-07-\($0)"), meteredWh: [.grid: 1_000_000]) }
        let input = try FeeObjectInput(
            quarter: Quarter(year: 2026, number: 3)!, object: name, payerKind: .hostingProvider,
            client: FeeHostedClient(name: "Client \"A\" LLP", binOrIIN: "123456789012"),
            meteredWh: [.grid: 101_234_567, .ownRenewable: 10_000_000], licence: licence, controlMeterPresent: true,
            maximumPower: FeePower(megawatts: "5"), faultyMeterDays: faulty)
        return try FeeRateTable.defaults.compute(
            input, dueDates: FeeDueDates(declaration: day("2026-11-16"), payment: day("2026-11-25")))
    }

    @Test("the JSON is one parseable document whose numbers are numbers")
    func json() throws {
        let c = try Self.faultyCase()
        let text = c.jsonDocument()
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8))
        let root = try #require(parsed as? [String: Any])
        let lines = try #require(root["lines"] as? [[String: Any]])
        #expect(lines.count == 3)
        for line in lines {
            #expect(line["source"] is String)
            for key in ["wh", "kwh", "rate_kzt_per_kwh", "rate_tiyn_per_kwh", "amount_kzt", "amount_tiyn", "metered_wh"] {
                #expect(line[key] is NSNumber, "\(key)")
                #expect(!(line[key] is String), "\(key)")
            }
        }
        let penalty = try #require(lines.first { $0["category"] as? String == "penalty" })
        #expect((penalty["wh"] as? NSNumber)?.int64Value == 360_000_000)
        #expect((penalty["amount_tiyn"] as? NSNumber)?.int64Value == 900_000_000)
        #expect((penalty["amount_kzt"] as? NSNumber)?.doubleValue == 9_000_000)
        #expect((penalty["days"] as? NSNumber)?.intValue == 3)
        #expect(penalty["basis"] as? String == "p_max_times_24h")
        let grid = try #require(lines.first { $0["category"] as? String == "grid" })
        #expect((grid["wh"] as? NSNumber)?.int64Value == 98_234_567)
        #expect((grid["kwh"] as? NSNumber)?.doubleValue == 98_234.567)
        let total = try #require(root["total"] as? [String: Any])
        #expect((total["amount_tiyn"] as? NSNumber)?.int64Value == c.totalTiyn)
        #expect(total["source"] is String)
        let payer = try #require(root["payer"] as? [String: Any])
        #expect((payer["client"] as? [String: Any])?["name"] as? String == "Client \"A\" LLP")
        #expect((root["faulty_days"] as? [Any])?.count == 3)
        // Exact decimal text, not Double formatting.
        #expect(text.contains("\"kwh\": 98234.567"))
        #expect(text.contains("\"amount_kzt\": 9000000.00"))
        #expect(text.contains("\"rate_kzt_per_kwh\": 25.00"))
        #expect(c.totalTiyn == 19_646_913 + 1_000_000 + 900_000_000)  // 98,234.567 kWh × 2 rounds to 196,469.13 KZT
    }

    @Test("JSON strings are escaped")
    func escaping() throws {
        let name = "Site \"B\" \\ line1\nline2\t\u{01} Екібастұз"
        let c = try Self.faultyCase(object: name)
        let root = try #require(JSONSerialization.jsonObject(with: Data(c.jsonDocument().utf8)) as? [String: Any])
        #expect(root["object"] as? String == name)
    }

    @Test("the text table shows kWh with 3 decimals and KZT with 2")
    func text() throws {
        let c = try Self.faultyCase()
        let table = c.textTable()
        let lines = table.split(separator: "\n").map(String.init)
        let penalty = try #require(lines.first { $0.hasPrefix("penalty") })
        #expect(penalty.contains("P_max 5 MW × 24 h × 3 days"))
        #expect(penalty.contains("360000.000"))
        #expect(penalty.contains("25.00"))
        #expect(penalty.contains("9000000.00"))
        let grid = try #require(lines.first { $0.hasPrefix("grid") })
        #expect(grid.contains("98234.567"))
        #expect(grid.contains("196469.13"))
        let total = try #require(lines.first { $0.hasPrefix("total") })
        #expect(total.contains(c.totalKZTText))
        #expect(c.totalKZTText == "9206469.13")
        #expect(table.contains("Declaration due 2026-11-16; payment due 2026-11-25"))
        #expect(table.contains("for client Client \"A\" LLP (BIN/IIN 123456789012)"))
        #expect(lines.contains { $0.hasPrefix("2026-07-11") && $0.contains("1000.000") && $0.contains("120000.000") })
    }
}
