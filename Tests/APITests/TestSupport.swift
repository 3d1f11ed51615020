import Compliance
import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Metering
import NIOCore
import SiteConfig
import Store
import Testing
import TestScratch

/// The tokens every fixture server knows.
enum Tokens {
    static let admin = "esep_admin_token_for_tests"
    static let grid = "esep_grid_operator_token"
    static let prometheus = "esep_prometheus_token"
    static let data = "esep_data_token"

    static let entries: [APIToken] = [
        APIToken(name: "site-ops", token: admin, salt: Array("salt-one".utf8), scopes: [.admin]),
        APIToken(name: "grid-operator", token: grid, salt: Array("salt-two!".utf8), scopes: [.snapshotRead]),
        APIToken(name: "prometheus", token: prometheus, salt: Array("salt-three".utf8), scopes: [.metricsRead]),
        APIToken(name: "analyst", token: data, salt: Array("salt-four".utf8), scopes: [.dataRead]),
    ]
}

/// Live device health, as the ingest pipeline's board would give it.
struct FixedStatus: IngestStatusSource {
    var health: [DeviceHealth]
    var isPolling: Bool
    var storeProblem: String? = nil
    func deviceHealth() -> [DeviceHealth] { health }
}

/// A site of two meters (M1 main, M2 check with sign 0) and one SAON controller (S1), stored
/// through ``SampleWriter`` into a real SQLite file.
struct Fixture {
    let store: SampleStore
    let site: SiteConfiguration
    let nowMs: Int64
    /// The two SAON state changes written: armed 0 → 1 and stage 1 tripped 0 → 1.
    let eventTimes: [Int64]

    static let m1Import: Int64 = 123_456_789
    static let m1Export: Int64 = 4_321
    static let m1Power = 1_250_000.5
    static let m2Power = 1_249_000.0

    init() throws {
        let dir = TestScratch.root.appendingPathComponent("esep-api-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var options = StoreOptions()
        options.chunkWindowMs = 60_000
        options.rawRetentionMs = 0
        store = try SampleStore(path: dir.appendingPathComponent("store.sqlite").path, options: options)
        let profile = DeviceProfile.builtIn["sdm630"]!
        let m1 = MeterConfig(id: "M1", gateway: "g1", unitId: 1, profile: profile, role: .main, feeder: "F1", ratedPowerKW: 2500)
        let m2 = MeterConfig(id: "M2", gateway: "g1", unitId: 2, profile: profile, role: .check, feeder: "F1", sign: 0)
        let s1 = SAONConfig(id: "S1", gateway: "g1", unitId: 100, stages: 2, feeders: 2)
        site = SiteConfiguration(
            site: SiteSection(name: "Test site"), gateways: [GatewayConfig(id: "g1", host: "127.0.0.1")],
            meters: [m1, m2], saon: [s1], sourcePath: "(test)")
        let ids = try store.register(devices: [
            (DeviceRecord(name: "M1", kind: "meter", profile: "sdm630", gateway: "g1", unitId: 1, feeder: "F1"), m1.channels),
            (DeviceRecord(name: "M2", kind: "meter", profile: "sdm630", gateway: "g1", unitId: 2, role: "check", feeder: "F1", sign: 0), m2.channels),
            (DeviceRecord(name: "S1", kind: "saon", profile: "saon", gateway: "g1", unitId: 100, role: "saon"), s1.profile.fields.map(\.channel)),
        ])
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        nowMs = now
        let t = now - 2_000
        var samples: [Sample] = []
        func add(_ device: String, _ name: ChannelName, _ time: Int64, _ value: SampleValue) {
            samples.append(Sample(channel: ids[device]![name]!, timeMs: time, value: value))
        }
        for (device, imp, exp, power) in [("M1", Self.m1Import, Self.m1Export, Self.m1Power), ("M2", 123_450_000, 4_300, Self.m2Power)] {
            add(device, ChannelName(.energyImport), t - 1000, .energy(imp - 10))
            add(device, ChannelName(.energyImport), t, .energy(imp))
            add(device, ChannelName(.energyExport), t, .energy(exp))
            add(device, ChannelName(.powerTotal), t, .number(power))
            for (i, (p, u, c)) in [(ChannelKind.powerL1, ChannelKind.voltageL1, ChannelKind.currentL1), (.powerL2, .voltageL2, .currentL2), (.powerL3, .voltageL3, .currentL3)].enumerated() {
                add(device, ChannelName(p), t, .number(power / 3))
                add(device, ChannelName(u), t, .number(230.5 + Double(i)))
                add(device, ChannelName(c), t, .number(1807.25 - Double(i)))
            }
            add(device, ChannelName(.frequency), t, .number(50.01))
            add(device, ChannelName(.powerFactor), t, device == "M2" ? .missing : .number(0.97))
        }
        let e1 = t - 60_000
        let e2 = t - 30_000
        for s in [e1 - 1000, e1] { add("S1", ChannelName(.saonArmed), s, .number(s == e1 ? 1 : 0)) }
        add("S1", ChannelName(.saonStageTripped, index: 1), e1 - 1000, .number(0))
        add("S1", ChannelName(.saonStageTripped, index: 1), e2, .number(1))
        add("S1", ChannelName(.saonStageTripped, index: 2), e2, .number(0))
        add("S1", ChannelName(.saonFeederOpen, index: 2), e2, .number(1))
        add("S1", ChannelName(.saonCommandReceived), e2, .number(1))
        add("S1", ChannelName(.saonTestMode), e2, .number(0))
        add("S1", ChannelName(.saonEventCounter), e2, .number(7))
        samples.sort { $0.timeMs < $1.timeMs }
        let writer = try SampleWriter(store: store, nowMs: now)
        _ = try samples.withUnsafeBufferPointer { try writer.append($0) }
        try writer.flushLatest()
        eventTimes = [e1, e2]
    }

    var status: FixedStatus {
        FixedStatus(
            health: [
                DeviceHealth(device: "M1", lastSuccessMs: nowMs - 2_000, polls: 100, failures: 0, lastPollDurationMs: 12.5),
                DeviceHealth(
                    device: "M2", lastSuccessMs: nowMs - 9_000, lastErrorMs: nowMs - 1_000, lastError: "timeout",
                    consecutiveFailures: 4, polls: 100, failures: 4),
                DeviceHealth(device: "S1", lastSuccessMs: nowMs - 2_000, polls: 500),
            ], isPolling: true)
    }

    func server(
        _ configure: (inout APIConfiguration) -> Void = { _ in }, energy: (any EnergyDataSource)? = nil,
        metrics: APIMetrics? = nil, status: (any IngestStatusSource)? = nil, useStatus: Bool = true,
        documents: DocumentSources? = nil
    ) throws -> APIServer {
        var c = APIConfiguration(host: "127.0.0.1", port: 0, rateLimitPerSecond: 10_000, tokens: Tokens.entries)
        configure(&c)
        var logger = Logger(label: "api-tests")
        logger.logLevel = .warning
        return try APIServer(
            configuration: c, site: site, store: store, ingest: useStatus ? (status ?? self.status) : nil,
            energy: energy, documents: documents, metrics: metrics, logger: logger, now: { [nowMs] in nowMs })
    }
}

extension TestClientProtocol {
    /// GET with an optional bearer token and extra headers.
    func get(_ uri: String, token: String? = Tokens.admin, headers: HTTPFields = [:]) async throws -> TestResponse {
        var h = headers
        if let token { h[.authorization] = "Bearer \(token)" }
        return try await executeRequest(uri: uri, method: .get, headers: h, body: nil)
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// The body as a JSON object.
    var json: [String: Any] {
        get throws {
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
            return try #require(object as? [String: Any], "not a JSON object: \(text)")
        }
    }

    /// The `error` object of an error body.
    var error: [String: Any] {
        get throws { try #require(try json["error"] as? [String: Any], "no error object in \(text)") }
    }

    /// The body as CSV rows keyed by the header.
    var csvRows: [[String: String]] {
        let lines = parseCSV(text)
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }
}

/// A small RFC 4180 reader (quoted fields, doubled quotes, CRLF).
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var quoted = false
    var chars = Array(text).makeIterator()
    var pending: Character? = nil
    while let c = pending ?? chars.next() {
        pending = nil
        if quoted {
            if c == "\"" {
                if let n = chars.next() {
                    if n == "\"" { field.append("\"") } else { quoted = false; pending = n }
                } else { quoted = false }
            } else { field.append(c) }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            row.append(field)
            field = ""
        } else if c == "\r\n" || c == "\n" {
            row.append(field)
            rows.append(row)
            row = []
            field = ""
        } else if c != "\r" {
            field.append(c)
        }
    }
    if !field.isEmpty || !row.isEmpty {
        row.append(field)
        rows.append(row)
    }
    return rows
}

/// A JSON number or absent value as the double CSV should show.
func number(_ any: Any?) -> Double? {
    (any as? NSNumber)?.doubleValue
}
