import Foundation
import Metering
import SiteConfig
import Testing

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
