import Foundation
import Metering
import SiteConfig
import Testing

@Suite struct ResolutionTests {
    @Test func defaultsApplied() throws {
        let config = try #require(parsed(minimalConfig + "[[saon]]\nid = \"S1\"\ngateway = \"gw\"\nunit_id = 9\n"))
        #expect(config.site == SiteSection(name: "Test site", timezone: "Asia/Almaty"))
        #expect(config.storage == StorageSection())
        #expect(config.storage.path == "/var/lib/esep/esep.sqlite")
        #expect(config.storage.rawRetentionDays == 90)
        #expect(config.storage.sealAfterSeconds == 600)
        #expect(config.storage.batchMax == 10000)
        #expect(config.storage.ringCapacity == 262_144)
        #expect(
            config.ingest == IngestSection(holeFillRegisters: 8, backoffMaxSeconds: 300, summaryIntervalSeconds: 60))
        #expect(config.api.listen == "127.0.0.1:8080")
        #expect(config.api.listenHost == "127.0.0.1" && config.api.listenPort == 8080)
        #expect(config.api.tlsCert == nil && config.api.tlsKey == nil && config.api.clientCA == nil)
        #expect(config.api.openOnLoopback == false)
        #expect(config.api.rateLimitPerSecond == 20)
        #expect(config.api.tokens.isEmpty)

        let gw = try #require(config.gateways.first)
        #expect(gw.port == 502)
        #expect(gw.connectTimeoutMs == 3000 && gw.responseTimeoutMs == 1000 && gw.byteTimeoutMs == 500)
        #expect(gw.maxInFlight == 1 && gw.maxRegistersPerRead == 125 && gw.reconnectMinIntervalMs == 1000)
        #expect(gw.responseTimeout == .milliseconds(1000))

        let meter = try #require(config.meters.first)
        #expect(meter.pollIntervalMs == 1000)
        #expect(meter.pollInterval == .seconds(1))
        #expect(meter.role == .main)
        #expect(meter.feeder == "M1")
        #expect(meter.sign == 1)
        #expect(meter.accuracyClass == .c05S)
        #expect(meter.ratedPowerKW == nil)
        #expect(meter.profile == DeviceProfile.sdm630)
        #expect(meter.channels == DeviceProfile.sdm630.fields.map(\.channel))
        #expect(meter.maxRegistersPerRead == 125)

        let saon = try #require(config.saon.first)
        #expect(saon.pollIntervalMs == 200)
        #expect(saon.stages == 4 && saon.feeders == 8)
        #expect(saon.profile == DeviceProfile.saonProfile(stages: 4, feeders: 8))
        #expect(config.profiles.isEmpty)
        #expect(config.sourcePath == "site.toml")
    }

    @Test func ringCapacityRoundsUpToAPowerOfTwo() throws {
        let config = try #require(parsed(minimalConfig + "[storage]\nring_capacity = 5000\n"))
        #expect(config.storage.ringCapacity == 8192)
        #expect(
            diagnostics(of: minimalConfig + "[storage]\nring_capacity = 1000\n") == [
                "site.toml:14: storage.ring_capacity: must be between 1024 and 16777216, found 1000"
            ])
    }

    @Test func channelsFilterKeepsProfileOrder() throws {
        let text = minimalConfig.replacingOccurrences(
            of: "profile = \"sdm630\"", with: "profile = \"sdm630\"\nchannels = [\"energy_import\", \"voltage_l1\"]")
        let meter = try #require(parsed(text)?.meters.first)
        #expect(meter.channels == [ChannelName(.voltageL1), ChannelName(.energyImport)])
        #expect(meter.profile.fields.map(\.channel) == meter.channels)
        #expect(
            meter.profile.field(ChannelName(.energyImport)) == DeviceProfile.sdm630.field(ChannelName(.energyImport)))
        #expect(meter.profile.name == "sdm630")
    }

    @Test func registerCap() throws {
        let text =
            minimalConfig.replacingOccurrences(
                of: "host = \"127.0.0.1\"", with: "host = \"h\"\nmax_registers_per_read = 60")
                + """
                [[meters]]
                id = "M2"
                gateway = "gw"
                unit_id = 2
                profile = "sdm630"
                max_registers_per_read = 100
                [[meters]]
                id = "M3"
                gateway = "gw"
                unit_id = 3
                profile = "small"
                [[profiles]]
                name = "small"
                max_registers_per_read = 20
                [[profiles.fields]]
                channel = "energy_import"
                address = 0
                type = "u32"
                unit = "Wh"
                """
        let meters = try #require(parsed(text)?.meters)
        #expect(meters.map(\.maxRegistersPerRead) == [60, 100, 20])
    }

    @Test func saonMapOverrides() throws {
        let text =
            minimalConfig + """
                [[saon]]
                id = "S1"
                gateway = "gw"
                unit_id = 10
                stages = 2
                feeders = 3
                poll_interval_ms = 100
                [saon.map]
                armed = "di:100"
                test_mode = "coil:5"
                command_received = "hr:7.3"
                event_counter = "ir:3"
                stage_tripped = ["di:110", "di:111"]
                feeder_open = ["di:120", "di:121", "di:122"]
                """
        let saon = try #require(parsed(text)?.saon.first)
        #expect(saon.stages == 2 && saon.feeders == 3 && saon.pollIntervalMs == 100)
        let p = saon.profile
        #expect(p.kind == .saon)
        #expect(p.fields.count == 3 + 2 + 3 + 1)
        let armed = try #require(p.field(ChannelName(.saonArmed)))
        #expect(armed.space == .discreteInputs && armed.address == 100 && armed.type == .bit)
        #expect(armed.documentedRegister == "di:100")
        let test = try #require(p.field(ChannelName(.saonTestMode)))
        #expect(test.space == .coils && test.address == 5)
        let command = try #require(p.field(ChannelName(.saonCommandReceived)))
        #expect(command.space == .holdingRegisters && command.address == 7 && command.type == .bit && command.bit == 3)
        let counter = try #require(p.field(ChannelName(.saonEventCounter)))
        #expect(counter.space == .inputRegisters && counter.address == 3 && counter.type == .u16)
        #expect(p.field(ChannelName(.saonStageTripped, index: 2))?.address == 111)
        #expect(p.field(ChannelName(.saonStageTripped, index: 3)) == nil)
        #expect(p.field(ChannelName(.saonFeederOpen, index: 3))?.address == 122)
        #expect(p.overlappingFields().isEmpty)
    }

    @Test func saonWithoutMapUsesTheDefaultMapOfItsSize() throws {
        let text = minimalConfig + "[[saon]]\nid = \"S1\"\ngateway = \"gw\"\nunit_id = 10\nstages = 6\nfeeders = 12\n"
        let saon = try #require(parsed(text)?.saon.first)
        #expect(saon.profile == DeviceProfile.saonProfile(stages: 6, feeders: 12))
    }

    @Test func customSAONProfile() throws {
        let text =
            minimalConfig + """
                [[saon]]
                id = "S1"
                gateway = "gw"
                unit_id = 10
                profile = "plc-saon"
                [[profiles]]
                name = "plc-saon"
                kind = "saon"
                space = "coil"
                [[profiles.fields]]
                channel = "armed"
                address = 0
                type = "bit"
                [[profiles.fields]]
                channel = "stage_tripped.1"
                address = 1
                type = "bit"
                [[profiles.fields]]
                channel = "feeder_open.1"
                address = 0
                space = "holding"
                type = "bit"
                bit = 4
                """
        let config = try #require(parsed(text))
        let saon = try #require(config.saon.first)
        #expect(saon.stages == 1 && saon.feeders == 1)
        #expect(saon.profile == config.profiles["plc-saon"])
        #expect(saon.profile.field(ChannelName(.saonFeederOpen, index: 1))?.bit == 4)
    }

    @Test func customMeterProfileFields() throws {
        let text = """
            [site]
            name = "x"
            [[profiles]]
            name = "plc"
            title = "PLC"
            source = "rev 3"
            space = "input"
            order = "cdab"
            not_available = "all-ones"
            max_registers_per_read = 64
            [[profiles.fields]]
            channel = "energy_import"
            address = 10
            register = 30011
            type = "u32"
            scale_pow10 = -1
            unit = "kWh"
            [[profiles.fields]]
            channel = "power_total"
            address = 20
            register = "0x14"
            space = "holding"
            order = "abcd"
            type = "f32"
            scale = 0.5
            unit = "kW"
            not_available = "nan"
            [[profiles.fields]]
            channel = "frequency"
            address = 30
            type = "u16"
            scale = 0.01
            not_available = "none"
            """
        let profile = try #require(parsed(text)?.profiles["plc"])
        #expect(profile.title == "PLC" && profile.source == "rev 3" && profile.kind == .meter)
        #expect(profile.maxRegistersPerRead == 64)
        #expect(
            profile.fields == [
                RegisterField(
                    ChannelName(.energyImport), space: .inputRegisters, address: 10, documented: "30011", type: .u32,
                    order: .cdab, scale: .powerOfTen(-1), unit: .kilowattHour, sentinels: [0xFFFF_FFFF]),
                RegisterField(
                    ChannelName(.powerTotal), space: .holdingRegisters, address: 20, documented: "0x14", type: .f32,
                    order: .abcd, scale: .multiplier(0.5), unit: .kilowatt, sentinels: [0x7FC0_0000]),
                RegisterField(
                    ChannelName(.frequency), space: .inputRegisters, address: 30, type: .u16, order: .cdab,
                    scale: .powerOfTen(-2), unit: .hertz),
            ])
    }

    @Test func integersAreAcceptedForFloats() throws {
        let text = minimalConfig.replacingOccurrences(
            of: "profile = \"sdm630\"", with: "profile = \"sdm630\"\nrated_power_kw = 500")
        #expect(try #require(parsed(text)?.meters.first).ratedPowerKW == 500)
        let wrong = minimalConfig.replacingOccurrences(
            of: "profile = \"sdm630\"", with: "profile = \"sdm630\"\nrated_power_kw = \"500\"\npoll_interval_ms = 1e3")
        #expect(
            diagnostics(of: wrong) == [
                "site.toml:13: meters[0].rated_power_kw: expected a number, found a string",
                "site.toml:14: meters[0].poll_interval_ms: expected an integer, found a float",
            ])
    }

    @Test func tokens() throws {
        let digest = String(repeating: "0f", count: 32)
        let text =
            minimalConfig + """
                [api]
                listen = "[::]:8443"
                tls_cert = "/c.pem"
                tls_key = "/k.pem"
                [[api.tokens]]
                name = "grid"
                hash = "sha256:00112233445566778899AABB:\(digest)"
                scopes = ["snapshot:read", "data:read", "data:read"]
                """
        let api = try #require(parsed(text)?.api)
        #expect(api.tlsEnabled)
        #expect(api.listenHost == "::" && api.listenPort == 8443)
        let token = try #require(api.tokens.first)
        #expect(token.name == "grid")
        #expect(token.salt == [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB])
        #expect(token.digest == [UInt8](repeating: 0x0F, count: 32))
        #expect(token.scopes == [.snapshotRead, .dataRead])
    }

    @Test func demoConfiguration() throws {
        let config = try SiteConfiguration.demo(
            host: "127.0.0.1", port: 1502, meters: 12, profile: "em24e1", saonUnitId: 100)
        #expect(config.sourcePath == "(demo)")
        #expect(config.gateways.count == 1)
        #expect(config.gateways[0].host == "127.0.0.1" && config.gateways[0].port == 1502)
        #expect(config.meters.count == 12)
        #expect(config.meters.first?.id == "M001" && config.meters.last?.id == "M012")
        #expect(config.meters.map(\.unitId) == Array(1...12))
        #expect(config.meters.map(\.feeder).last == "F012")
        #expect(config.meters.allSatisfy { $0.role == .main && $0.sign == 1 && $0.profile == DeviceProfile.em24e1 })
        #expect(config.saon.count == 1)
        #expect(config.saon[0].unitId == 100)
        #expect(config.saon[0].profile == DeviceProfile.saon)

        let error = #expect(throws: ConfigError.self) {
            try SiteConfiguration.demo(host: "h", port: 502, meters: 3, profile: "saon", saonUnitId: 2)
        }
        #expect(error?.diagnostics.map(\.key) == ["profile", "saon_unit_id"])
    }
}

@Suite struct DeviceViewTests {
    @Test func devicesListMetersThenSAON() throws {
        let config = try SiteConfiguration.demo(host: "h", port: 502, meters: 2, profile: "sdm630", saonUnitId: 50)
        let devices = config.devices
        #expect(devices.map(\.id) == ["M001", "M002", "S001"])
        #expect(devices.map(\.kind) == [.meter, .meter, .saon])
        #expect(devices.map(\.unitId) == [1, 2, 50])
        #expect(devices.map(\.pollIntervalMs) == [1000, 1000, 200])
        #expect(devices[2].profile == DeviceProfile.saon)
    }
}
