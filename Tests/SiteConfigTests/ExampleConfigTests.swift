import Foundation
import Metering
import Testing

@testable import SiteConfig

@Suite struct ExampleConfigTests {
    @Test func exampleParsesWithoutDiagnostics() throws {
        let config: SiteConfiguration
        do {
            config = try SiteConfigLoader.load(path: exampleConfigPath)
        } catch {
            Issue.record("deploy/esep.example.toml has diagnostics:\n\(error)")
            return
        }
        #expect(config.sourcePath == exampleConfigPath)
        #expect(config.site.name == "Ekibastuz DC-2")
        #expect(config.gateways.map(\.id) == ["askue-lan", "rs485-kru"])
        #expect(config.gateways[1].maxInFlight == 1)
        #expect(config.meters.map(\.id) == ["T1-MAIN", "T1-CHECK", "T2-MAIN", "AUX-OFFICE"])
        #expect(config.saon.map(\.id) == ["SAON-1"])
        #expect(Array(config.profiles.keys) == ["kru-plc"])
        #expect(config.api.tokens.map(\.name) == ["kegoc-dispatch", "site-ops"])
    }
}

@Suite struct ExampleDocumentationTests {
    /// Every key of every table is written (or, for `bit`, shown commented out) in the example.
    @Test func exampleDocumentsEveryKey() throws {
        let text = try String(contentsOfFile: exampleConfigPath, encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        for (table, keys) in SiteConfigLoader.schema {
            if !table.isEmpty {
                #expect(
                    lines.contains("[\(table)]") || lines.contains("[[\(table)]]") || lines.contains("# [[\(table)]]"),
                    "the example has no [\(table)] table")
            }
            for key in keys where !(table.isEmpty || key == "tokens" || key == "fields" || key == "map" || key == "shed") {
                let written = lines.contains { $0.hasPrefix("\(key) = ") || $0.hasPrefix("# \(key) = ") }
                #expect(written, "the example does not document \(table).\(key)")
            }
        }
    }
}
