import Foundation
import Ingest
import Logging
import Metering
import Modbus
import Simulator
import Store
import Testing
import TestScratch

func temporaryDatabase() -> String {
    let dir = TestScratch.root.appendingPathComponent("esep-ingest-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("esep.sqlite").path
}

func startSim(meters: Int, profiles: [String], port: Int = 0, _ configure: (inout SimulatorConfiguration) -> Void = { _ in })
    throws -> SimulatorServer
{
    var c = SimulatorConfiguration()
    c.port = port
    c.meters = meters
    c.profiles = profiles.map { DeviceProfile.builtIn[$0]! }
    c.saonUnitId = 200
    configure(&c)
    let s = SimulatorServer(configuration: c)
    try s.start()
    return s
}

func devices(gateway: String, port: Int, units: ClosedRange<Int>, sim: SimulatorServer?, profile: DeviceProfile? = nil,
             intervalMs: Int = 200, responseMs: Int = 300) -> [IngestDevice] {
    let endpoint = EndpointSpec(
        gateway: gateway, host: "127.0.0.1", port: port,
        timeouts: ModbusTimeouts(connect: .milliseconds(300), response: .milliseconds(responseMs)),
        reconnectMinIntervalMs: 100)
    return units.map { u in
        let p = profile ?? sim!.site.meter(unit: u)!.profile
        return IngestDevice(
            record: DeviceRecord(name: "\(gateway)-\(u)", kind: "meter", profile: p.name, gateway: gateway, unitId: u),
            endpoint: endpoint, unitId: UInt8(u), profile: p, pollIntervalMs: intervalMs)
    }
}

/// A free loopback port (bound, then released).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
            _ = bind(fd, sa, len)
            return getsockname(fd, sa, &len)
        }
    }
    return Int(UInt16(bigEndian: addr.sin_port))
}

func testOptions() -> IngestOptions {
    var o = IngestOptions()
    o.backoffMaxMs = 600
    o.summaryIntervalMs = 0
    o.housekeepingIntervalMs = 200
    return o
}

let quiet: Logger = {
    var l = Logger(label: "esep.test")
    l.logLevel = .critical
    return l
}()

@Suite(.serialized) struct IngestPipelineTests {
    @Test func storedSamplesMatchTheTruthAcrossEndpoints() async throws {
        let a = try startSim(meters: 12, profiles: DeviceProfile.builtInMeterNames)
        let b = try startSim(meters: 12, profiles: ["sdm630", "em24e1"]) { $0.seed = 9 }
        defer { a.stop(); b.stop() }
        let store = try SampleStore(path: temporaryDatabase())
        let all = devices(gateway: "a", port: a.port, units: 1...12, sim: a) + devices(gateway: "b", port: b.port, units: 1...12, sim: b)
        let pipeline = try IngestPipeline(devices: all, store: store, options: testOptions(), logger: quiet)
        pipeline.start()
        try await Task.sleep(for: .milliseconds(2500))
        pipeline.stop()
        #expect(pipeline.statistics.dropped == 0)
        var checked = 0
        for d in all {
            let sim = d.endpoint.gateway == "a" ? a : b
            let meter = sim.site.meter(unit: Int(d.unitId))!
            let energy = try store.channel(device: d.id, name: ChannelName(.energyImport))
            let samples = try store.samples(channel: energy.id, fromMs: 0, toMs: .max)
            #expect(samples.count >= 5, "\(d.id)")
            for s in samples {
                // The meter answered between the request (≤ 300 ms earlier) and the timestamp.
                let wh = s.value.energyWh!
                #expect(wh <= meter.truth(atMs: s.timeMs).importWh, "\(d.id) at \(s.timeMs)")
                #expect(wh >= meter.truth(atMs: s.timeMs - 300).importWh, "\(d.id) at \(s.timeMs)")
                checked += 1
            }
            let power = try store.channel(device: d.id, name: ChannelName(.powerTotal))
            for s in try store.samples(channel: power.id, fromMs: 0, toMs: .max) {
                let hi = meter.curve.powerW(atMs: s.timeMs)
                #expect(abs(s.value.doubleValue! - hi) < max(1, meter.curve.amplitudeW * 0.01), "\(d.id) power")
            }
        }
        #expect(checked > 200)
    }

    @Test func deadGatewayAndSlowDeviceDoNotSlowHealthyEndpoints() async throws {
        let healthy = try startSim(meters: 4, profiles: ["sdm630"])
        let slow = try startSim(meters: 2, profiles: ["sdm630"]) { $0.faults.latencyMs = 250 }
        defer { healthy.stop(); slow.stop() }
        let store = try SampleStore(path: temporaryDatabase())
        let dead = freePort()
        let all = devices(gateway: "ok", port: healthy.port, units: 1...4, sim: healthy)
            + devices(gateway: "slow", port: slow.port, units: 1...2, sim: slow, responseMs: 200)
            + devices(gateway: "dead", port: dead, units: 1...3, sim: nil, profile: .sdm630)
        let pipeline = try IngestPipeline(devices: all, store: store, options: testOptions(), logger: quiet)
        pipeline.start()
        try await Task.sleep(for: .milliseconds(3000))
        pipeline.stop()
        let health = Dictionary(uniqueKeysWithValues: pipeline.board.snapshot().map { ($0.device, $0) })
        for u in 1...4 {
            let h = health["ok-\(u)"]!
            // 3 s at 200 ms: 15 polls; allow for start-up staggering.
            #expect(h.polls >= 12, "ok-\(u) polled \(h.polls) times")
            #expect(h.failures == 0)
        }
        for u in 1...3 { #expect(health["dead-\(u)"]!.lastSuccessMs == nil) }
        for u in 1...2 { #expect(health["slow-\(u)"]!.failures > 0) }
    }

    @Test func aDeviceThatComesBackIsPolledAgain() async throws {
        let port = freePort()
        let store = try SampleStore(path: temporaryDatabase())
        let all = devices(gateway: "late", port: port, units: 1...2, sim: nil, profile: .sdm630)
        let pipeline = try IngestPipeline(devices: all, store: store, options: testOptions(), logger: quiet)
        pipeline.start()
        try await Task.sleep(for: .milliseconds(1200))
        #expect(pipeline.board.snapshot().allSatisfy { $0.lastSuccessMs == nil && $0.failures > 0 })
        let sim = try startSim(meters: 2, profiles: ["sdm630"], port: port)
        defer { sim.stop() }
        try await Task.sleep(for: .milliseconds(2500))
        pipeline.stop()
        for h in pipeline.board.snapshot() {
            #expect(h.lastSuccessMs != nil, "\(h.device) never recovered")
            #expect(h.consecutiveFailures == 0)
        }
    }

    @Test func refusedReadsAreSplitUntilTheDeviceAcceptsThem() async throws {
        let sim = try startSim(meters: 2, profiles: ["sdm630"]) { c in
            c.faults.rejectHoles = true
            c.faults.maxReadRegisters = 10
        }
        defer { sim.stop() }
        let store = try SampleStore(path: temporaryDatabase())
        let all = devices(gateway: "s", port: sim.port, units: 1...2, sim: sim)
        let pipeline = try IngestPipeline(devices: all, store: store, options: testOptions(), logger: quiet)
        pipeline.start()
        try await Task.sleep(for: .milliseconds(2000))
        pipeline.stop()
        for d in all {
            for field in d.profile.fields {
                let c = try store.channel(device: d.id, name: field.channel)
                #expect(!(try store.samples(channel: c.id, fromMs: 0, toMs: .max)).isEmpty, "\(d.id) \(field.channel)")
            }
        }
    }
}
