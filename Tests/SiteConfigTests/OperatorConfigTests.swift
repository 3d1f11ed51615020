import Foundation
import Metering
import SiteConfig
import Testing

@Suite struct OperatorConfigTests {
    @Test func exampleOperatorIsRead() throws {
        let config = try SiteConfigLoader.load(path: exampleConfigPath)
        let op = try #require(config.operatorDetails)
        #expect(op.bin == "210340001239")
        #expect(op.iban == "KZ86125KZT5004100100")
        #expect(op.requiredCapacityMW == "5.000")
        #expect(op.plannedInvestmentKZT == "1500000000.00")
        #expect(op.gridConnection?.voltageKV == "110.0")
        #expect(op.licence == OperatorSection.Licence(number: "KZ-DM-0001", date: LocalDate("2024-02-01")!))
        #expect(op.locations.map(\.meters) == [["T1-MAIN", "T2-MAIN"]])
        #expect(op.pool(on: LocalDate("2026-10-01")!)?.name == "Example Pool KZ")
        #expect(op.pool(on: LocalDate("2024-01-31")!) == nil)
    }

    /// Every mistake in [operator] at its own line with its key, the check digits verified.
    @Test func mistakesAreReportedWithLineAndKey() {
        let text = minimalConfig + """

            [operator]
            legal_name = "TOO Test"
            bin = "210340001238"
            kind = "miner"
            required_capacity_mw = "5.1234"
            ip_pool = ["203.0.113.0/33", "2001:db8::/48"]
            clients = []

            [operator.contacts]
            email = "energy.example.kz"

            [operator.bank]
            bic = "HSBK"
            iban = "KZ86125KZT5004100101"

            [operator.grid_connection]
            voltage_kv = 110
            date = "2022-02-30"

            [[operator.locations]]
            id = "DC"
            address = "Somewhere"
            meters = ["M9"]

            [[operator.pools]]
            name = "P"
            bin = "22054000765"
            since = "2024-01-01"
            """
        let found = diagnostics(of: text)
        let base = minimalConfig.split(separator: "\n", omittingEmptySubsequences: false).count
        func at(_ offset: Int, _ key: String, _ fragment: String) {
            let line = base + offset
            #expect(
                found.contains { $0.hasPrefix("site.toml:\(line): \(key): ") && $0.contains(fragment) },
                "no '\(fragment)' for \(key) at line \(line) in:\n\(found.joined(separator: "\n"))")
        }
        at(3, "operator.bin", "check digit 8 is wrong: these first 11 digits give 9")
        at(5, "operator.required_capacity_mw", "has 4 decimals; at most 3")
        at(6, "operator.ip_pool[0]", "not an IP address or network")
        at(7, "operator.clients", "only a hosting provider has clients")
        at(10, "operator.contacts.email", "not an e-mail address")
        at(13, "operator.bank.bic", "not a BIC")
        at(14, "operator.bank.iban", "check digits do not match")
        at(16, "operator.grid_connection.capacity_mw", "missing required key")
        at(18, "operator.grid_connection.date", "not a date")
        at(23, "operator.locations[0].meters[0]", "no meter 'M9'")
        at(27, "operator.pools[0].bin", "a BIN/IIN has 12 digits")
        #expect(found.count == 11, "\(found.joined(separator: "\n"))")
    }

    @Test func hostingProviderNamesItsClients() {
        let without = diagnostics(of: minimalConfig + "\n[operator]\nlegal_name = \"H\"\nbin = \"210340001239\"\nkind = \"hosting_provider\"\n")
        #expect(without.contains { $0.contains("operator.clients: a hosting provider lists its clients") })
        let text = minimalConfig + """

            [operator]
            legal_name = "Hosting LLP"
            bin = "210340001239"
            kind = "hosting_provider"

            [[operator.clients]]
            name = "Client A"
            bin = "190740004565"
            meters = ["M1"]

            [[operator.clients]]
            name = "Client B"
            bin = "190740004565"
            feeders = ["M1"]
            """
        let found = diagnostics(of: text)
        #expect(found.contains { $0.contains("operator.clients[1].meters: meter 'M1' already measures client 'Client A'") }, "\(found)")
    }
}
