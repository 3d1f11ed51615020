import Foundation
import SiteConfig
import Testing
import TestScratch

@Suite struct DiagnosticsTests {
    /// One file with many kinds of mistake: every one is reported, at its own line, sorted.
    @Test func everyMistakeIsReportedAtItsLine() {
        let text = """
            [site]
            name = "Broken site"
            timezone = "Asia/Almati"

            [api]
            listen = "127.0.0.1:8080"

            [[api.tokens]]
            name = "grid"
            hash = "sha256:abcd:1234"
            scopes = ["snapshot:read", "data:write"]

            [[gateways]]
            id = "gw"
            host = "10.0.0.1"

            [[meters]]
            id = "M1"
            gateway = "gw"
            unit_id = 1
            profile = "sdm630"
            pol_interval_ms = 500

            [[meters]]
            id = "M2"
            gateway = "gw"
            unit_id = "2"
            profile = "sdm63"
            poll_interval_ms = 50

            [[meters]]
            id = "M3"
            gateway = "gw2"
            unit_id = 3
            profile = "custom"
            role = "check"
            feeder = "F9"

            [[saon]]
            id = "S1"
            gateway = "gw"
            unit_id = 1

            [[profiles]]
            name = "custom"

            [[profiles.fields]]
            channel = "energy_import"
            address = 100
            type = "u32"
            unit = "kWh"

            [[profiles.fields]]
            channel = "energy_export"
            address = 101
            type = "u32"
            unit = "kWh"
            """
        let expected = [
            "site.toml:3: site.timezone: unknown time zone 'Asia/Almati'; did you mean 'Asia/Almaty'?",
            "site.toml:10: api.tokens[0].hash: expected 'sha256:<salt: 16 or more hex digits>:<digest: 64 hex digits>';"
                + " the salt is not an even number (≥ 16) of hex digits",
            "site.toml:11: api.tokens[0].scopes[1]: unknown scope 'data:write'; scopes are snapshot:read, data:read,"
                + " reports:read, metrics:read, admin",
            "site.toml:22: meters[0].pol_interval_ms: unknown key; did you mean 'poll_interval_ms'?",
            "site.toml:27: meters[1].unit_id: expected an integer, found a string",
            "site.toml:28: meters[1].profile: unknown profile 'sdm63'; did you mean 'sdm630'?",
            "site.toml:29: meters[1].poll_interval_ms: must be between 100 and 3600000, found 50",
            "site.toml:33: meters[2].gateway: unknown gateway 'gw2'; did you mean 'gw'?",
            "site.toml:37: meters[2].feeder: check meter on feeder 'F9' has no main meter on that feeder",
            "site.toml:42: saon[0].unit_id: unit id 1 on gateway 'gw' is already used by meters[0]",
            "site.toml:55: profiles[0].fields[1].address: holding registers 101…102 of 'energy_export' overlap"
                + " holding registers 100…101 of 'energy_import' (profiles[0].fields[0])",
        ]
        #expect(diagnostics(of: text) == expected)
    }

    @Test func errorCarriesStructuredDiagnostics() throws {
        let text = minimalConfig + "[storage]\nbatch_max = 5\n"
        let error = #expect(throws: ConfigError.self) { try SiteConfigLoader.parse(text: text, path: "/etc/esep.toml") }
        let diagnostic = try #require(error?.diagnostics.first)
        #expect(
            diagnostic
                == ConfigDiagnostic(
                    file: "/etc/esep.toml", line: 14, key: "storage.batch_max",
                    message: "must be between 100 and 100000, found 5"))
        #expect(error?.description == "/etc/esep.toml:14: storage.batch_max: must be between 100 and 100000, found 5")
    }

    @Test func syntaxErrorIsOneDiagnosticAtTheParsersLine() {
        let text = """
            [site]
            name = "x"

            [[gateways]]
            id = "gw"
            host = 10.0.0.1
            """
        let result = diagnostics(of: text)
        #expect(result.count == 1)
        #expect(result.first?.hasPrefix("site.toml:6: (syntax): ") == true)
    }

    @Test func duplicateKeyIsASyntaxError() {
        let result = diagnostics(of: "[site]\nname = \"a\"\nname = \"b\"\n")
        #expect(result.count == 1)
        #expect(result.first?.hasPrefix("site.toml:3: (syntax): ") == true)
    }

    @Test func missingFileIsLineZero() {
        let path = "/nonexistent/esep-\(UUID().uuidString).toml"
        let error = #expect(throws: ConfigError.self) { try SiteConfigLoader.load(path: path) }
        #expect(error?.diagnostics.map(\.description) == ["\(path):0: (file): no such file"])
        let directory = TestScratch.root.path
        let dirError = #expect(throws: ConfigError.self) { try SiteConfigLoader.load(path: directory) }
        #expect(dirError?.diagnostics.map(\.description) == ["\(directory):0: (file): is a directory, not a file"])
    }

    @Test func loadReadsAFile() throws {
        let path = TestScratch.root.path + "/" + "esep-\(UUID().uuidString).toml"
        try minimalConfig.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try SiteConfigLoader.load(path: path)
        #expect(config.sourcePath == path)
        #expect(config.meters.map(\.id) == ["M1"])
        try "[site]\nname = 5\n".write(toFile: path, atomically: true, encoding: .utf8)
        let error = #expect(throws: ConfigError.self) { try SiteConfigLoader.load(path: path) }
        #expect(error?.description == "\(path):2: site.name: expected a string, found an integer")
    }

    @Test func missingKeysPointAtTheirTableHeader() {
        let text = """
            # a comment
            [site]
            bin = "12345"

            [[gateways]]
            host = "10.0.0.1"

            [[meters]]
            id = "M1"
            """
        #expect(
            diagnostics(of: text) == [
                "site.toml:2: site.name: missing required key",
                "site.toml:3: site.bin: must be exactly 12 digits (BIN/IIN), found '12345'",
                "site.toml:5: gateways[0].id: missing required key",
                "site.toml:8: meters[0].gateway: missing required key",
                "site.toml:8: meters[0].unit_id: missing required key",
                "site.toml:8: meters[0].profile: missing required key",
            ])
    }

    @Test func missingSiteSectionPointsAtLineOne() {
        #expect(
            diagnostics(of: "\n[storage]\npath = \"/tmp/x\"\n") == ["site.toml:1: site.name: missing required key"])
    }

    @Test func sectionsOfTheWrongShape() {
        let text = """
            site = "x"
            gateways = { id = "gw" }

            [[ingest]]
            hole_fill_registers = 4
            """
        #expect(
            diagnostics(of: text) == [
                "site.toml:1: site: expected a table, found a string",
                "site.toml:2: gateways: expected an array of tables ([[gateways]]), found a table",
                "site.toml:4: ingest: expected a table, found an array",
            ])
    }

    @Test func unknownKeysEverywhere() {
        let text = """
            colour = "red"
            [site]
            name = "x"
            nmae = "y"
            [storage]
            retention_days = 5
            [api]
            tls = true
            """
        #expect(
            diagnostics(of: text) == [
                "site.toml:1: colour: unknown key",
                "site.toml:4: site.nmae: unknown key; did you mean 'name'?",
                "site.toml:6: storage.retention_days: unknown key",
                "site.toml:8: api.tls: unknown key",
            ])
    }

    @Test func apiLimits() throws {
        let config = try #require(
            parsed(
                minimalConfig + """

                    [api]
                    failed_auth_per_min = 5
                    max_connections = 100
                    max_concurrent_requests = 8
                    idle_timeout_s = 60
                    request_read_timeout_s = 5
                    response_write_timeout_s = 120
                    snapshot_cache_ms = 0
                    max_query_days = 93
                    """))
        let api = config.api
        #expect(api.failedAuthPerMinute == 5)
        #expect(api.maxConnections == 100)
        #expect(api.maxConcurrentRequests == 8)
        #expect(api.idleTimeoutS == 60)
        #expect(api.requestReadTimeoutS == 5)
        #expect(api.responseWriteTimeoutS == 120)
        #expect(api.snapshotCacheMs == 0)
        #expect(api.maxQueryDays == 93)
        let defaults = try #require(parsed(minimalConfig))
        #expect(defaults.api.failedAuthPerMinute == 30)
        #expect(defaults.api.snapshotCacheMs == 1_000)
        #expect(
            diagnostics(
                of: """
                    [site]
                    name = "x"
                    [api]
                    max_connections = 0
                    snapshot_cache_ms = -1
                    idle_timeout_s = "30"
                    """) == [
                    "site.toml:4: api.max_connections: must be between 1 and 65535, found 0",
                    "site.toml:5: api.snapshot_cache_ms: must be between 0 and 60000, found -1",
                    "site.toml:6: api.idle_timeout_s: expected an integer, found a string",
                ])
    }

    @Test func apiSection() {
        let text = """
            [site]
            name = "x"
            [api]
            listen = "::1:8080"
            tls_key = "/k.pem"
            client_ca = "/ca.pem"
            open_on_loopback = "yes"
            rate_limit_per_s = 0
            [[api.tokens]]
            name = "a"
            hash = "sha256:0011223344556677:00"
            scopes = []
            [[api.tokens]]
            name = "a"
            hash = "md5:0011223344556677:\(String(repeating: "ab", count: 32))"
            scopes = ["admin", 3]
            [[api.tokens]]
            hash = "sha256:0011223344556677:\(String(repeating: "ab", count: 32))"
            """
        #expect(
            diagnostics(of: text) == [
                "site.toml:4: api.listen: an IPv6 address needs brackets, e.g. [::1]:8080; found '::1:8080'",
                "site.toml:5: api.tls_key: tls_cert is missing: give both tls_cert and tls_key, or neither",
                "site.toml:6: api.client_ca: client certificates need TLS: give tls_cert and tls_key too",
                "site.toml:7: api.open_on_loopback: expected a boolean, found a string",
                "site.toml:8: api.rate_limit_per_s: must be between 1 and 100000, found 0",
                "site.toml:11: api.tokens[0].hash: expected 'sha256:<salt: 16 or more hex digits>:<digest: 64 hex"
                    + " digits>'; the digest has 2 characters, not 64 hex digits",
                "site.toml:12: api.tokens[0].scopes: must list at least one scope",
                "site.toml:14: api.tokens[1].name: token name 'a' is already used by api.tokens[0]",
                "site.toml:15: api.tokens[1].hash: expected 'sha256:<salt: 16 or more hex digits>:<digest: 64 hex"
                    + " digits>'",
                "site.toml:16: api.tokens[1].scopes[1]: expected a string, found an integer",
                "site.toml:17: api.tokens[2].name: missing required key",
                "site.toml:17: api.tokens[2].scopes: missing required key",
            ])
    }

    @Test func listenForms() throws {
        let v6 = try #require(parsed(minimalConfig + "[api]\nlisten = \"[::1]:9090\"\n"))
        #expect(v6.api.listenHost == "::1")
        #expect(v6.api.listenPort == 9090)
        #expect(v6.api.listen == "[::1]:9090")
        #expect(
            diagnostics(of: minimalConfig + "[api]\nlisten = \"localhost:0\"\n") == [
                "site.toml:14: api.listen: the port must be between 1 and 65535, found '0'"
            ])
        #expect(
            diagnostics(of: minimalConfig + "[api]\nlisten = \"8080\"\n") == [
                "site.toml:14: api.listen: expected host:port (IPv6 in brackets, e.g. [::1]:8080), found '8080'"
            ])
    }

    @Test func devicesAndFeeders() {
        let text = """
            [site]
            name = "x"
            [[gateways]]
            id = "gw"
            host = "h"
            [[gateways]]
            id = "gw"
            host = "bad host"
            port = 70000
            max_in_flight = 17
            [[meters]]
            id = "A"
            gateway = "gw"
            unit_id = 248
            profile = "saon"
            [[meters]]
            id = "B"
            gateway = "gw"
            unit_id = 2
            profile = "iem3000"
            feeder = "F1"
            sign = 2
            channels = ["energy_import", "voltage_l4", "energy_import"]
            rated_power_kw = -5
            accuracy_class = "0.1"
            [[meters]]
            id = "C"
            gateway = "gw"
            unit_id = 3
            profile = "pac3200"
            feeder = "F1"
            [[meters]]
            id = "D"
            gateway = "gw"
            unit_id = 4
            profile = "umg96rme"
            role = "check"
            [[saon]]
            id = "C"
            gateway = "gw"
            unit_id = 5
            profile = "sdm630"
            """
        #expect(
            diagnostics(of: text) == [
                "site.toml:7: gateways[1].id: gateway id 'gw' is already used by gateways[0]",
                "site.toml:8: gateways[1].host: 'bad host' is not a host name or address",
                "site.toml:9: gateways[1].port: must be between 1 and 65535, found 70000",
                "site.toml:10: gateways[1].max_in_flight: must be between 1 and 16, found 17",
                "site.toml:14: meters[0].unit_id: must be between 0 and 247, found 248",
                "site.toml:15: meters[0].profile: 'saon' is a SAON profile; a meter needs a meter profile",
                "site.toml:22: meters[1].sign: must be 1, -1 or 0, found 2",
                "site.toml:23: meters[1].channels[1]: profile 'iem3000' has no channel 'voltage_l4'; did you mean"
                    + " 'voltage_l1'?",
                "site.toml:23: meters[1].channels[2]: channel 'energy_import' is listed twice",
                "site.toml:24: meters[1].rated_power_kw: must be greater than 0 and at most 10000000 (10 GW), found -5.0",
                "site.toml:25: meters[1].accuracy_class: '0.1' is not one of '0.2S', '0.5S', '0.2', '0.5', '1', '2'",
                "site.toml:31: meters[2].feeder: feeder 'F1' already has a main meter, meters[1]",
                "site.toml:37: meters[3].role: check meter on feeder 'D' has no main meter on that feeder",
                "site.toml:39: saon[0].id: device id 'C' is already used by meters[2]",
                "site.toml:42: saon[0].profile: 'sdm630' is a meter profile; a SAON controller needs a SAON profile",
            ])
    }

    @Test func customProfileMistakes() {
        let text = """
            [site]
            name = "x"
            [[profiles]]
            name = "sdm630"
            kind = "meter"
            [[profiles.fields]]
            channel = "energy_import"
            address = 0
            type = "bit"
            unit = "kWh"
            [[profiles.fields]]
            channel = "energy_export"
            address = 10
            type = "u32"
            [[profiles.fields]]
            channel = "power_total"
            address = 65535
            type = "f32"
            unit = "V"
            [[profiles.fields]]
            channel = "voltage_l1"
            address = 20
            type = "u16"
            scale = 0.1
            scale_pow10 = -1
            not_available = "nan"
            [[profiles.fields]]
            channel = "voltage_l1"
            address = 30
            type = "u16"
            [[profiles.fields]]
            channel = "armed"
            address = 40
            type = "u16"
            [[profiles.fields]]
            channel = "frequency"
            address = 50
            space = "coil"
            type = "u16"
            bit = 3
            [[profiles.fields]]
            channel = "stage_tripped"
            address = 60
            [[profiles]]
            name = "empty one"
            """
        #expect(
            diagnostics(of: text) == [
                "site.toml:4: profiles[0].name: 'sdm630' is a built-in profile; give the site's profile another name",
                "site.toml:9: profiles[0].fields[0].type: an energy channel cannot have type 'bit'",
                "site.toml:11: profiles[0].fields[1].unit: an energy channel needs a unit: 'Wh', 'kWh' or 'MWh'",
                "site.toml:17: profiles[0].fields[2].address: the f32 field at 65535 ends at 65536, beyond the last"
                    + " address 65535",
                "site.toml:19: profiles[0].fields[2].unit: unit 'V' does not fit channel 'power_total'; expected 'W'"
                    + " or 'kW'",
                "site.toml:25: profiles[0].fields[3].scale_pow10: give either scale or scale_pow10, not both",
                "site.toml:26: profiles[0].fields[3].not_available: 'nan' applies only to f32 and f64 fields",
                "site.toml:28: profiles[0].fields[4].channel: channel 'voltage_l1' is already defined by"
                    + " profiles[0].fields[3]",
                "site.toml:32: profiles[0].fields[5].channel: 'armed' is a SAON channel, but this profile's kind is"
                    + " 'meter'",
                "site.toml:39: profiles[0].fields[6].type: fields in the coil table must have type = 'bit'",
                "site.toml:41: profiles[0].fields[7].type: missing required key",
                "site.toml:42: profiles[0].fields[7].channel: 'stage_tripped' needs a number from 1, e.g."
                    + " 'stage_tripped.1'",
                "site.toml:44: profiles[1].fields: a profile needs at least one [[profiles.fields]]",
                "site.toml:45: profiles[1].name: 'empty one' may contain only letters, digits, '_', '.' and '-'",
            ])
    }

    @Test func saonMapMistakes() {
        let text = """
            [site]
            name = "x"
            [[gateways]]
            id = "gw"
            host = "h"
            [[saon]]
            id = "S1"
            gateway = "gw"
            unit_id = 1
            stages = 2
            [saon.map]
            armed = "di:10"
            test_mode = "xx:1"
            event_counter = "di:4"
            stage_tripped = ["di:30"]
            [[saon]]
            id = "S2"
            gateway = "gw"
            unit_id = 2
            stages = 2
            feeders = 1
            [saon.map]
            armed = "di:11"
            arm = "di:1"
            """
        #expect(
            diagnostics(of: text) == [
                "site.toml:13: saon[0].map.test_mode: expected an address like 'di:0', 'coil:5', 'hr:0', 'ir:3' or"
                    + " 'hr:7.3', found 'xx:1'",
                "site.toml:14: saon[0].map.event_counter: the event counter is a register: use 'hr:N' or 'ir:N',"
                    + " found 'di:4'",
                "site.toml:15: saon[0].map.stage_tripped: has 1 addresses, but stages = 2",
                "site.toml:23: saon[1].map.armed: discrete input 11 of 'armed' overlaps discrete input 11 of"
                    + " 'stage_tripped.2'",
                "site.toml:24: saon[1].map.arm: unknown key; did you mean 'armed'?",
            ])
    }

    @Test func saonShedMapping() throws {
        let good = minimalConfig + """
            [[meters]]
            id = "M2"
            gateway = "gw"
            unit_id = 2
            profile = "sdm630"
            feeder = "F2"
            [[saon]]
            id = "S1"
            gateway = "gw"
            unit_id = 10
            shed_window_ms = 1500
            verify_poll_interval_ms = 100
            breakers = ["M1", "", "F2"]
            [[saon.shed]]
            stage = 1
            feeders = ["M1", "F2"]
            expected_kw = 250
            [[saon.shed]]
            stage = 2
            feeders = ["F2"]
            """
        let site = try #require(parsed(good))
        let s = site.saon[0]
        #expect(s.shedWindowMs == 1500 && s.verifyPollIntervalMs == 100 && s.minLoadKW == 1)
        #expect(s.breakerInputs(of: "F2") == [3] && s.breakerInputs(of: "M1") == [1])
        #expect(s.stage(1) == SAONStage(stage: 1, feeders: ["M1", "F2"], expectedShedKW: 250))
        #expect(s.stage(2)?.expectedShedShare == 0.9 && s.stage(2)?.expectedDropW(beforeW: 1000) == 900)
        #expect(s.stage(3) == nil)

        let bad = minimalConfig + """
            [[saon]]
            id = "S1"
            gateway = "gw"
            unit_id = 10
            stages = 2
            feeders = 2
            shed_window_ms = 50
            breakers = ["M1", "M2", "M3"]
            [[saon.shed]]
            stage = 3
            feeders = ["M1"]
            [[saon.shed]]
            stage = 1
            feeders = ["X1"]
            expected_kw = 10
            expected_share = 1.5
            [[saon.shed]]
            stage = 1
            feeders = []
            """
        #expect(
            diagnostics(of: bad) == [
                "site.toml:19: saon[0].shed_window_ms: must be between 100 and 60000, found 50",
                "site.toml:20: saon[0].breakers: lists 3 breakers; the controller has 2 feeder inputs",
                "site.toml:20: saon[0].breakers[1]: no meter is on feeder 'M2'; did you mean 'M1'?",
                "site.toml:20: saon[0].breakers[2]: no meter is on feeder 'M3'; did you mean 'M1'?",
                "site.toml:22: saon[0].shed[0].stage: must be between 1 and 2, found 3",
                "site.toml:26: saon[0].shed[1].feeders[0]: no meter is on feeder 'X1'; did you mean 'M1'?",
                "site.toml:28: saon[0].shed[1].expected_share: must be more than 0 and at most 1, found 1.5",
                "site.toml:28: saon[0].shed[1].expected_share: give expected_kw or expected_share, not both",
                "site.toml:30: saon[0].shed[2].stage: stage 1 is mapped twice",
                "site.toml:31: saon[0].shed[2].feeders: must name at least one feeder",
            ])
    }

    @Test func aShedFeederMustBeMeasurable() {
        let text = minimalConfig + """
            [[meters]]
            id = "M2"
            gateway = "gw"
            unit_id = 2
            profile = "sdm630"
            feeder = "F2"
            channels = ["energy_import"]
            [[meters]]
            id = "C3"
            gateway = "gw"
            unit_id = 3
            profile = "sdm630"
            feeder = "M1"
            role = "check"
            [[saon]]
            id = "S1"
            gateway = "gw"
            unit_id = 10
            [[saon.shed]]
            stage = 1
            feeders = ["F2", "M1"]
            """
        let found = diagnostics(of: text)
        #expect(found.count == 1)
        #expect(found.first?.hasSuffix("saon[0].shed[0].feeders[0]: feeder 'F2': its main meter does not read power_total (see its `channels`), so a shed cannot be measured") == true, "\(found)")
    }

    @Test func aProfileWithoutStagesShedsNothingAndLinkIsNotARegister() {
        let text = minimalConfig + """
            [[saon]]
            id = "S1"
            gateway = "gw"
            unit_id = 10
            profile = "plc"
            [[saon.shed]]
            stage = 1
            feeders = ["M1"]
            [[profiles]]
            name = "plc"
            kind = "saon"
            space = "coil"
            [[profiles.fields]]
            channel = "armed"
            address = 0
            type = "bit"
            [[profiles.fields]]
            channel = "link"
            address = 1
            type = "bit"
            """
        let found = diagnostics(of: text)
        #expect(found.contains { $0.hasSuffix("profiles[0].fields[1].channel: 'link' is not a register: esep writes it itself when a controller stops or starts answering") }, "\(found)")
        #expect(found.contains { $0.hasSuffix("saon[0].shed[0]: the controller's profile has no stage_tripped signal, so no stage can shed") }, "\(found)")
    }
}
