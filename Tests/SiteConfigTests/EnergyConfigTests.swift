import Metering
import SiteConfig
import Testing

@Suite struct EnergyConfigTests {
    @Test func defaultsAndValues() throws {
        let plain = try #require(parsed(minimalConfig))
        #expect(plain.energy.intervalMinutes == 15)
        #expect(plain.replacements.isEmpty)
        #expect(plain.meters[0].fillGapsFromCheck == false)

        let config = try #require(
            parsed(
                minimalConfig + """
                    [energy]
                    interval_minutes = 30

                    [[replacements]]
                    meter = "M1"
                    at = "2026-10-14T11:20:00+05:00"
                    old_final_wh = 812345678
                    new_initial_wh = 0
                    note = "act 14"
                    """))
        #expect(config.energy.intervalMinutes == 30)
        #expect(config.replacements.count == 1)
        // 2026-10-14T06:20:00Z
        #expect(config.replacements[0].atMs == 1_791_958_800_000)
        #expect(config.replacements[0].oldFinalWh == 812_345_678)
        #expect(config.replacements[0].note == "act 14")
    }

    @Test func mistakesNameTheirLine() {
        let text =
            minimalConfig + """
            [energy]
            interval_minutes = 7

            [[replacements]]
            meter = "NOPE"
            at = "yesterday"
            old_final_wh = -5
            new_initial_wh = 0
            """
        let d = diagnostics(of: text)
        #expect(d.contains { $0.hasPrefix("site.toml:14: energy.interval_minutes: must be one of 1, 5, 10, 15, 30, 60") }, "\(d)")
        #expect(d.contains { $0.hasPrefix("site.toml:17: replacements[0].meter: no meter 'NOPE'") }, "\(d)")
        #expect(d.contains { $0.hasPrefix("site.toml:18: replacements[0].at:") }, "\(d)")
        #expect(d.contains { $0.hasPrefix("site.toml:19: replacements[0].old_final_wh:") }, "\(d)")
    }

    @Test func onlyMainMetersAreFilledFromCheck() {
        let text =
            minimalConfig + """
            [[meters]]
            id = "M1-CHECK"
            gateway = "gw"
            unit_id = 2
            profile = "sdm630"
            role = "check"
            feeder = "M1"
            fill_gaps_from_check = true
            """
        let d = diagnostics(of: text)
        #expect(d.contains { $0.contains("meters[1].fill_gaps_from_check: only a main meter") }, "\(d)")
    }
}
