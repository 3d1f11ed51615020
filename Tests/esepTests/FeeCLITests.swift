import Foundation
import Metering
import Store
import Testing

/// `esep fee` and `[[fee.rates]]`, as an operator completes the 2023 band table.
@Suite struct FeeCLITests {
    func site(_ dir: URL, bandRate: String) throws -> String {
        let config = dir.appendingPathComponent("site.toml")
        try """
            [site]
            name = "Fee site"
            [storage]
            path = "\(dir.path)/esep.sqlite"
            [[gateways]]
            id = "g"
            host = "127.0.0.1"
            [[meters]]
            id = "M1"
            gateway = "g"
            unit_id = 1
            profile = "sdm630"
            poll_interval_ms = 600000
            [fee]
            max_power_mw = 5
            licence_number = "KZ-DM-1"
            licence_date = "2022-06-01"
            average_purchase_price_kzt = "15"
            [[fee.rates]]
            from = "2023-01-01"
            source = "Law 135-VII, bands completed by the operator"
            highest_rate_wins = true
            categories = { own_renewable = { rate = "1", rule = "own renewables" } }
            [[fee.rates.bands]]
            min = "24"
            rate = "1"
            rule = "24 KZT/kWh and above"
            [[fee.rates.bands]]
            min = "0"
            max = "24"
            rate = \(bandRate)
            rule = "under 24 KZT/kWh (operator)"
            """.write(to: config, atomically: true, encoding: .utf8)
        return config.path
    }

    @Test func aCompletedBandTableIsCheckedAtItsLineAndApplied() throws {
        let dir = temporaryDirectory()
        let bad = try site(dir, bandRate: "\"7.125\"")
        let check = try runCommand(esepBinary(), ["check-config", bad])
        #expect(check.status == 1)
        #expect(check.stderr.contains("\(bad):31: fee.rates[0].bands[1].rate: "), "\(check.stderr)")
        #expect(check.stderr.contains("7.125"), "\(check.stderr)")

        let good = try site(dir, bandRate: "7")
        #expect(try runCommand(esepBinary(), ["check-config", good]).status == 0)
        try Self.storeQuarter(dir.appendingPathComponent("esep.sqlite").path)
        let fee = try runCommand(esepBinary(), ["fee", "--config", good, "--quarter", "2023Q2", "--format", "json"])
        #expect(fee.status == 0, "\(fee.stderr)")
        #expect(fee.stdout.contains("under 24 KZT/kWh (operator)"), "\(fee.stdout)")
        #expect(fee.stdout.contains("Law 135-VII, bands completed by the operator"), "\(fee.stdout)")
        // The shipped table has no band for 15 KZT/kWh: without the completed period, esep says so.
        let shipped = dir.appendingPathComponent("shipped.toml")
        let text = try String(contentsOfFile: good, encoding: .utf8)
        try String(text[..<text.range(of: "[[fee.rates]]")!.lowerBound]).write(to: shipped, atomically: true, encoding: .utf8)
        let refused = try runCommand(esepBinary(), ["fee", "--config", shipped.path, "--quarter", "2023Q2"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("fee.average_purchase_price_kzt") && refused.stderr.contains("[[fee.rates.bands]]"), "\(refused.stderr)")
    }

    /// M1 read every 10 minutes through 2023Q2 (UTC+6 then): 50 kWh an hour.
    static func storeQuarter(_ path: String) throws {
        let store = try SampleStore(path: path)
        let ids = try store.register(devices: [
            (DeviceRecord(name: "M1", kind: "meter", profile: "sdm630", gateway: "g", unitId: 1, feeder: "M1"), [ChannelName(.energyImport)])
        ])
        let channel = ids["M1"]![ChannelName(.energyImport)]!
        let start: Int64 = 1_680_285_600_000  // 2023-04-01T00:00:00+06:00
        let end: Int64 = 1_688_148_000_000  // 2023-07-01T00:00:00+06:00
        let writer = try SampleWriter(store: store, nowMs: start)
        try writer.configureEnergy(
            [EnergyChannelSetup(channel: channel, device: "M1", options: CounterOptions(pollIntervalMs: 600_000))], calendar: .almaty,
            nowMs: start)
        var batch: [Sample] = []
        var t = start
        while t <= end {
            batch.append(Sample(channel: channel, timeMs: t, value: .energy(1_000_000 + (t - start) / 72_000)))
            t += 600_000
        }
        _ = try batch.withUnsafeBufferPointer { try writer.append($0) }
        try writer.flushLatest()
    }
}
