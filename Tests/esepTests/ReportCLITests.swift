import Foundation
import Metering
import Store
import Testing

/// `esep report`, `esep checklist` and `esep calendar` on one site, as an operator runs them.
@Suite struct ReportCLITests {
    func site(_ dir: URL) throws -> String {
        let config = dir.appendingPathComponent("site.toml")
        try """
            [site]
            name = "Report site"
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
            average_purchase_price_kzt = "30"
            [operator]
            legal_name = "TOO Report Test"
            bin = "210340001239"
            legal_address = "Ekibastuz"
            [operator.grid_connection]
            voltage_kv = 10
            capacity_mw = "5"
            date = "2022-03-01"
            [[operator.pools]]
            name = "Pool One"
            since = "2023-01-01"
            """.write(to: config, atomically: true, encoding: .utf8)
        return config.path
    }

    @Test func documentsComeFromTheReadModelAndAreRecorded() async throws {
        let dir = temporaryDirectory()
        let config = try site(dir)
        #expect(try await runCommandOffPool(esepBinary(), ["check-config", config]).status == 0)
        try FeeCLITests.storeQuarter(dir.appendingPathComponent("esep.sqlite").path)

        // The quarterly notice's kWh are `esep energy`'s quarter, to the Wh.
        let json = try await runCommandOffPool(esepBinary(), ["report", "quarterly-notice", "--config", config, "--period", "2023Q2", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let notice = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let consumption = try #require(notice["consumption"] as? [String: Any])
        let energy = try await runCommandOffPool(
            esepBinary(), ["energy", "--config", config, "--site", "--from", "2023-04-01", "--to", "2023-07-01", "--step", "1q", "--format", "json"])
        let periods = try #require(
            (try JSONSerialization.jsonObject(with: Data(energy.stdout.utf8)) as? [String: Any])?["periods"] as? [[String: Any]])
        let wh: Int64 = (consumption["wh"] as? NSNumber)?.int64Value ?? -1
        #expect(wh == (periods.first?["wh"] as? NSNumber)?.int64Value)
        // 50 Wh an hour over the 91 days of 2023Q2.
        #expect(wh == Int64(91 * 24 * 50))
        #expect(((notice["document"] as? [String: Any])?["template"] as? [String: Any])?["id"] as? String == "quarterly-notice-2022")

        let html = dir.appendingPathComponent("notice.kk.html").path
        let made = try await runCommandOffPool(
            esepBinary(), ["report", "quarterly-notice", "--config", config, "--period", "2023Q2", "--lang", "kk", "--out", html])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(made.stderr.contains("content SHA-256"), "\(made.stderr)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<html lang=\"kk\""))
        #expect(page.contains("210340001239"))
        #expect(page.contains(">109,200<") || page.contains("109,200 "), "the quarter's 109.2 kWh, kk format")

        // The 2022 rules' quarterly notice for 2023Q2 was due on 10 July 2023: now generated.
        let calendar = try await runCommandOffPool(
            esepBinary(), ["calendar", "--config", config, "--from", "2023-07-01", "--to", "2023-08-01", "--today", "2023-07-03", "--format", "json"])
        #expect(calendar.status == 0, "\(calendar.stderr)")
        let deadlines = try #require(
            (try JSONSerialization.jsonObject(with: Data(calendar.stdout.utf8)) as? [String: Any])?["deadlines"] as? [[String: Any]])
        let due = try #require(deadlines.first { $0["document_id"] as? String == "quarterly_notice" })
        #expect(due["generated"] as? Bool == true)
        #expect(due["status"] as? String == "generated")

        // Checklist: 10 kV is below 35 kV, but the connection predates 2023-04-01.
        let checklist = try await runCommandOffPool(esepBinary(), ["checklist", "--config", config, "--period", "2023Q3", "--format", "json"])
        #expect(checklist.status == 0, "\(checklist.stderr)")
        let items = try #require(
            (try JSONSerialization.jsonObject(with: Data(checklist.stdout.utf8)) as? [String: Any])?["items"] as? [[String: Any]])
        #expect(items.first { $0["id"] as? String == "001-miner-5" }?["status"] as? String == "met")
        #expect(items.first { $0["id"] as? String == "002-req-5-saon" }?["status"] as? String == "not_met")
        #expect(items.first { $0["id"] as? String == "002-req-1" }?["status"] as? String == "cannot_tell")
    }

    @Test func refusalsSayWhatIsWrongAndWhere() async throws {
        let dir = temporaryDirectory()
        let config = try site(dir)
        try FeeCLITests.storeQuarter(dir.appendingPathComponent("esep.sqlite").path)
        let plans = try await runCommandOffPool(esepBinary(), ["report", "plans", "--config", config, "--period", "2026-12-20"])
        #expect(plans.status != 0)
        #expect(plans.stderr.contains("--template plans-2022"), "\(plans.stderr)")
        #expect(plans.stderr.contains("licensing"), "\(plans.stderr)")
        let period = try await runCommandOffPool(esepBinary(), ["report", "fee", "--config", config, "--period", "2023-05"])
        #expect(period.stderr.contains("--period: '2023-05' is not a quarter like 2026Q3"), "\(period.stderr)")

        let csv = dir.appendingPathComponent("october.csv")
        try """
            name,bin,licence_number,licence_date,wallet,date,asset,quantity,commission_asset,commission_quantity
            TOO Report Test,210340001238,KZ-DM-1,2022-06-01,1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2,2026-10-03,BTC,-0.5,BTC,0
            """.write(to: csv, atomically: true, encoding: .utf8)
        let cm1 = try await runCommandOffPool(
            esepBinary(), ["report", "cm1", "--config", config, "--period", "2026-10", "--distributions", csv.path, "--out",
                           dir.appendingPathComponent("cm1.html").path])
        #expect(cm1.status != 0)
        #expect(cm1.stderr.contains("\(csv.path):2:2: bin: "), "\(cm1.stderr)")
        #expect(cm1.stderr.contains("\(csv.path):2:8: quantity: "), "\(cm1.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("cm1.html").path))

        // A database that does not exist is not created.
        let missing = dir.appendingPathComponent("typo.sqlite").path
        let typo = try await runCommandOffPool(esepBinary(), ["report", "fee", "--db", missing, "--period", "2023Q2"])
        #expect(typo.stderr.contains("--db: no database at '\(missing)'"), "\(typo.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing))

        // A database esep's demo did not fill needs the config that names the operator.
        let bare = try await runCommandOffPool(esepBinary(), ["report", "fee", "--db", dir.appendingPathComponent("esep.sqlite").path, "--period", "2023Q2"])
        #expect(bare.status != 0)
        #expect(bare.stderr.contains("give --config FILE"), "\(bare.stderr)")
    }
}
