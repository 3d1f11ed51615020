import ArgumentParser
import Dispatch
import Foundation
import Compliance
import Ingest
import Logging
import Metering
import Modbus
import Simulator
import Store

/// `esep bench`: ingest and ring-buffer benchmarks (see bench/README.md).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: end-to-end ingest against simulator processes, and the sample ring.",
        subcommands: [IngestBench.self, StoreBench.self, RingBench.self, ReadModelBench.self]
    )
}

struct IngestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Measure the ingest pipeline end to end against simulator processes, and a raw libmodbus loop.",
        discussion: """
            Starts `esep sim` as separate processes (at most 200 meters each), then, on the same
            connections: (1) a raw loop — the same reads back to back with libmodbus, no decode, ring or
            store; (2) the real pipeline — pollers, rings, writer, SQLite — for the same time. With
            --interval-ms 0 (default) devices are polled as fast as the connections allow, which gives the
            ratio to the raw loop; with --interval-ms 1000 it measures a real polling load (CPU, RSS, losses).
            """
    )

    @Option(help: "Simulated meters.")
    var meters = 100

    @Option(help: "Seconds per phase.")
    var seconds = 10.0

    @Option(help: "Connections in total (spread over the simulator endpoints).")
    var connections = 2

    @Option(help: "Poll interval per meter, ms (0: as fast as possible).")
    var intervalMs = 0

    @Option(help: "Meter profile.")
    var profile = "sdm630"

    @Option(
        help: ArgumentHelp(
            "Only these channels of the profile, comma-separated (default: all).",
            discussion: "e.g. energy_import,power_total with --profile iem3000: 2 values, 2 requests per poll."))
    var channels: String?

    @Option(help: "Database file (default: a temporary file, removed afterwards).")
    var db: String?

    @Flag(help: "Skip the raw libmodbus baseline.")
    var skipRaw = false

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        guard var meterProfile = DeviceProfile.builtIn[profile], meterProfile.kind == .meter else {
            throw ValidationError("--profile: unknown meter profile '\(profile)'")
        }
        if let channels {
            let wanted = channels.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let known = meterProfile.fields.map(\.channel.description)
            for w in wanted where !known.contains(w) {
                throw ValidationError("--channels: profile '\(profile)' has no channel '\(w)'; it has \(known.joined(separator: ", "))")
            }
            meterProfile.fields = meterProfile.fields.filter { wanted.contains($0.channel.description) }
        }
        let perSim = 200
        let endpoints = (meters + perSim - 1) / perSim
        guard connections >= endpoints else {
            throw ValidationError("--connections must be at least \(endpoints) (one per simulator endpoint of ≤ \(perSim) meters)")
        }
        // 1. Simulators as separate processes.
        var sims: [(process: Process, port: Int, meters: Int)] = []
        defer {
            for s in sims where s.process.isRunning {
                s.process.terminate()
                s.process.waitUntilExit()
            }
        }
        for e in 0..<endpoints {
            let n = min(perSim, meters - e * perSim)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            p.arguments = ["sim", "--listen", "127.0.0.1:0", "--meters", String(n), "--profile", profile, "--saon-unit", "0", "--seed", String(e + 1)]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            var banner = ""
            let deadline = Date().addingTimeInterval(20)
            while !banner.contains("listening on"), Date() < deadline {
                let d = out.fileHandleForReading.availableData
                if d.isEmpty { break }
                banner += String(decoding: d, as: UTF8.self)
            }
            guard let port = banner.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
                throw ValidationError("simulator \(e) did not start: \(banner)")
            }
            sims.append((p, port, n))
        }
        let reads = ReadPlanner.plan(fields: meterProfile.fields)
        let valuesPerPoll = reads.reduce(0) { $0 + $1.fields.count }
        let connectionsPerEndpoint = (0..<endpoints).map { e in connections / endpoints + (e < connections % endpoints ? 1 : 0) }

        // 2. Raw libmodbus loop: the same reads, no decode, ring or store.
        var rawValues: Int64 = 0
        var rawRequests: Int64 = 0
        var rawCPU = 0.0
        if !skipRaw {
            let requestTotal = Locked<Int64>(0)
            let rawCPU0 = cpuSeconds()
            defer { rawCPU = cpuSeconds() - rawCPU0 }
            let total = Locked<Int64>(0)
            let group = DispatchGroup()
            for (e, sim) in sims.enumerated() {
                for c in 0..<connectionsPerEndpoint[e] {
                    let units = Array(stride(from: c + 1, through: sim.meters, by: connectionsPerEndpoint[e]))
                    let port = sim.port
                    let secs = seconds
                    group.enter()
                    Thread {
                        let client = ModbusTCPClient(host: "127.0.0.1", port: port)
                        var values: Int64 = 0
                        var requests: Int64 = 0
                        let end = DispatchTime.now().uptimeNanoseconds + UInt64(secs * 1e9)
                        var i = 0
                        while DispatchTime.now().uptimeNanoseconds < end {
                            let unit = UInt8(units[i % units.count])
                            i += 1
                            for r in reads {
                                requests += 1
                                do {
                                    switch r.space {
                                    case .inputRegisters: _ = try client.readInputRegisters(unit: unit, address: r.address, count: r.count)
                                    default: _ = try client.readHoldingRegisters(unit: unit, address: r.address, count: r.count)
                                    }
                                    values += Int64(r.fields.count)
                                } catch {}
                            }
                        }
                        client.close()
                        total.add(values)
                        requestTotal.add(requests)
                        group.leave()
                    }.start()
                }
            }
            group.wait()
            rawValues = total.get()
            rawRequests = requestTotal.get()
        }

        // 3. The real pipeline.
        let dbPath = db ?? FileManager.default.temporaryDirectory.appendingPathComponent("esep-bench-\(UUID().uuidString).sqlite").path
        defer {
            if db == nil { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dbPath + suffix) } }
        }
        var logger = Logger(label: "esep.bench")
        logger.logLevel = .warning
        var storeOptions = StoreOptions()
        storeOptions.chunkWindowMs = 600_000
        let store = try SampleStore(path: dbPath, options: storeOptions)
        var devices: [IngestDevice] = []
        for (e, sim) in sims.enumerated() {
            let endpoint = EndpointSpec(gateway: "sim\(e)", host: "127.0.0.1", port: sim.port, connections: connectionsPerEndpoint[e])
            for u in 1...sim.meters {
                devices.append(
                    IngestDevice(
                        record: DeviceRecord(name: String(format: "E%dM%03d", e, u), kind: "meter", profile: profile, gateway: "sim\(e)", unitId: u),
                        endpoint: endpoint, unitId: UInt8(u), profile: meterProfile, pollIntervalMs: max(1, intervalMs)))
            }
        }
        var options = IngestOptions()
        options.summaryIntervalMs = 0
        let pipeline = try IngestPipeline(devices: devices, store: store, options: options, logger: logger)
        let cpu0 = cpuSeconds()
        let wall0 = DispatchTime.now().uptimeNanoseconds
        pipeline.start()
        Thread.sleep(forTimeInterval: seconds)
        pipeline.stopPolling()
        let pollWall = Double(DispatchTime.now().uptimeNanoseconds - wall0) / 1e9
        pipeline.stopWriting()
        let cpu = cpuSeconds() - cpu0
        let stats = pipeline.statistics
        try pipeline.sealAll()
        let counts = try store.sampleCounts()
        let chunkBytes = store.chunkTableBytes() ?? (counts.chunkBytes + counts.chunks * 40)
        let valuesPerS = Double(stats.polled) / pollWall
        let rawPerS = Double(rawValues) / seconds
        let result = IngestBenchResult(
            meters: meters, seconds: seconds, connections: connections, interval_ms: intervalMs, cores: ProcessInfo.processInfo.activeProcessorCount,
            values_per_s: valuesPerS, samples_stored_per_s: Double(stats.stored) / pollWall,
            raw_values_per_s: rawPerS, ratio: rawPerS > 0 ? valuesPerS / rawPerS : 0,
            samples_polled: stats.polled, samples_stored: stats.stored, samples_lost: stats.polled - stats.stored,
            cpu_s: cpu, cpu_core_share: cpu / pollWall,
            cpu_s_per_million_values: stats.polled > 0 ? cpu / (Double(stats.polled) / 1e6) : 0,
            peak_rss_mib: peakRSSMiB(), bytes_per_sample: counts.sealed > 0 ? Double(chunkBytes) / Double(counts.sealed) : 0,
            values_per_poll: valuesPerPoll, requests_per_poll: reads.count, requests: stats.requests,
            cpu_us_per_request: stats.requests > 0 ? cpu * 1e6 / Double(stats.requests) : 0,
            raw_cpu_us_per_request: rawRequests > 0 ? rawCPU * 1e6 / Double(rawRequests) : 0)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(result.text)
        }
    }
}

struct IngestBenchResult: Codable {
    var meters: Int
    var seconds: Double
    var connections: Int
    var interval_ms: Int
    var cores: Int
    var values_per_s: Double
    var samples_stored_per_s: Double
    var raw_values_per_s: Double
    var ratio: Double
    var samples_polled: Int64
    var samples_stored: Int64
    var samples_lost: Int64
    var cpu_s: Double
    var cpu_core_share: Double
    var cpu_s_per_million_values: Double
    var peak_rss_mib: Double
    var bytes_per_sample: Double
    var values_per_poll: Int
    var requests_per_poll: Int
    var requests: Int64
    /// The pipeline's CPU (whole process) per Modbus request it made.
    var cpu_us_per_request: Double
    /// The raw loop's CPU per request (back to back: the floor of a synchronous client).
    var raw_cpu_us_per_request: Double

    var text: String {
        """
        esep bench ingest: \(meters) meters, \(connections) connection(s), \(interval_ms == 0 ? "as fast as possible" : "every \(interval_ms) ms"), \(seconds) s per phase, \(cores) cores
          pipeline      \(String(format: "%12.0f", values_per_s)) values/s   (\(String(format: "%.0f", samples_stored_per_s)) samples/s stored)
          raw libmodbus \(String(format: "%12.0f", raw_values_per_s)) values/s   ratio \(String(format: "%.3f", ratio))
          samples       polled \(samples_polled), stored \(samples_stored), lost \(samples_lost)
          cpu           \(String(format: "%.2f", cpu_s)) s (\(String(format: "%.1f", cpu_core_share * 100)) % of one core), \(String(format: "%.3f", cpu_s_per_million_values)) s per million values
          per request   \(values_per_poll) value(s) in \(requests_per_poll) request(s) per poll; \(requests) requests, \(String(format: "%.1f", cpu_us_per_request)) µs CPU each (raw loop: \(String(format: "%.1f", raw_cpu_us_per_request)) µs)
          memory        peak RSS \(String(format: "%.1f", peak_rss_mib)) MiB
          disk          \(String(format: "%.2f", bytes_per_sample)) bytes per sealed sample
        """
    }
}

struct RingBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ring",
        abstract: "Micro-benchmark of the sample rings with 1 and 4 producers (build with -c release).")

    @Option(help: "Items per producer.")
    var items = 20_000_000

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        var rows: [[String: String]] = []
        for kind in RingBenchmark.Kind.allCases {
            for producers in [1, 4] {
                let r = RingBenchmark.run(producers: producers, itemsPerProducer: items, kind: kind)
                rows.append([
                    "kind": "\(kind)", "producers": String(producers), "items": String(r.items),
                    "seconds": String(format: "%.3f", r.seconds), "items_per_s": String(format: "%.0f", r.itemsPerSecond),
                ])
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else {
            var t = TextTable(header: ["ring", "producers", "items", "seconds", "items/s"], rightAligned: [1, 2, 3, 4])
            t.rows = rows.map { [$0["kind"]!, $0["producers"]!, $0["items"]!, $0["seconds"]!, $0["items_per_s"]!] }
            print(t.render())
        }
    }
}

/// CPU time (user + system) of this process, all threads.
func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

/// Peak resident set size of this process, MiB.
func peakRSSMiB() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) / 1024
}

/// A lock-protected value.
final class Locked<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
}

extension Locked where T == Int64 {
    func add(_ n: Int64) { lock.lock(); value += n; lock.unlock() }
}

/// `esep bench store`: the store alone — append rate and bytes per sealed sample on the simulator's load curves.
struct StoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Append simulated 1 s samples of N meters straight into a store; report rows/s and bytes per sealed sample.")

    @Option(help: "Simulated meters (14 channels each).")
    var meters = 100

    @Option(help: "Minutes of 1 s samples to write.")
    var minutes = 30

    @Option(help: "Chunk window, seconds (storage.seal_after_s).")
    var windowS = 600

    @Option(help: "Samples per transaction.")
    var batch = 10_000

    @Option(help: "Meter profile.")
    var profile = "sdm630"

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        guard let p = DeviceProfile.builtIn[profile], p.kind == .meter else {
            throw ValidationError("--profile: unknown meter profile '\(profile)'")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("esep-store-bench-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        var options = StoreOptions()
        options.chunkWindowMs = Int64(windowS) * 1000
        options.rawRetentionMs = 0
        let store = try SampleStore(path: path, options: options)
        let sims = (1...meters).map { SimulatedMeter(unitId: $0, profile: p, curve: .seeded(seed: 1, index: $0)) }
        let ids = try store.register(devices: sims.map {
            (DeviceRecord(name: "M\($0.unitId)", kind: "meter", profile: p.name, gateway: "bench", unitId: $0.unitId), p.fields.map(\.channel))
        })
        let start = (SimulationEpoch.ms + 150 * 86_400_000) / (Int64(windowS) * 1000) * (Int64(windowS) * 1000)
        let writer = try SampleWriter(store: store, nowMs: start)
        var buffer: [Sample] = []
        buffer.reserveCapacity(batch)
        var rng = SplitMix64(seed: 42)
        var appendSeconds = 0.0
        var total = 0
        func flush() throws {
            let t0 = DispatchTime.now().uptimeNanoseconds
            total += try buffer.withUnsafeBufferPointer { try writer.append($0) }
            appendSeconds += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            buffer.removeAll(keepingCapacity: true)
        }
        for second in 0..<(minutes * 60) {
            for m in sims {
                let t = start + Int64(second) * 1000 + Int64(rng.next() % 11) - 5
                let channelIds = ids["M\(m.unitId)"]!
                for f in p.fields {
                    buffer.append(Sample(channel: channelIds[f.channel]!, timeMs: t, value: m.readValue(f, atMs: t)))
                    if buffer.count == batch { try flush() }
                }
            }
        }
        try flush()
        let sealStart = DispatchTime.now().uptimeNanoseconds
        try writer.seal(nowMs: start + Int64(minutes) * 60_000, force: true)
        let sealSeconds = Double(DispatchTime.now().uptimeNanoseconds - sealStart) / 1e9
        let counts = try store.sampleCounts()
        let bytes = store.chunkTableBytes() ?? (counts.chunkBytes + counts.chunks * 40)
        let result: [String: Double] = [
            "samples": Double(total), "append_rows_per_s": Double(total) / appendSeconds, "seal_s": sealSeconds,
            "bytes_per_sample": Double(bytes) / Double(max(1, counts.sealed)),
            "blob_bytes_per_sample": Double(counts.chunkBytes) / Double(max(1, counts.sealed)),
            "chunks": Double(counts.chunks), "window_s": Double(windowS),
        ]
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print("""
                esep bench store: \(meters) meters × \(p.fields.count) channels, \(minutes) min at 1 s, \(windowS) s windows
                  append   \(String(format: "%.0f", result["append_rows_per_s"]!)) rows/s (batches of \(batch))
                  seal     \(String(format: "%.2f", sealSeconds)) s for \(counts.chunks) chunks
                  disk     \(String(format: "%.2f", result["bytes_per_sample"]!)) bytes per sealed sample on disk (chunk table + index), \(String(format: "%.2f", result["blob_bytes_per_sample"]!)) in the compressed blobs
                """)
        }
    }
}

/// `esep bench read-model`: what a long range of site intervals costs the one read model of energy.
struct ReadModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read-model",
        abstract: "Store N meters' 15-minute readings for D days through the real writer, then time a year of 15-minute site intervals.",
        discussion: """
            The query covers the 365 days up to the end of the data, whatever --days is, so the figures show
            whether its cost follows the data it returns (D days of intervals) or the range it spans (a year).
            Prints the wall time and the process CPU of each query, with the rows it returned.
            """)

    @Option(help: "Meters.")
    var meters = 1000

    @Option(help: "Days of data, ending at the last reading.")
    var days = 30

    @Option(help: "Database file to reuse (created and filled when it does not exist; default: a temporary file).")
    var db: String?

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        guard (1...10_000).contains(meters), (1...366).contains(days) else {
            throw ValidationError("--meters 1…10000 and --days 1…366")
        }
        let path = db ?? FileManager.default.temporaryDirectory.appendingPathComponent("esep-read-bench-\(UUID().uuidString).sqlite").path
        let temporary = db == nil
        defer { if temporary { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } } }
        let calendar = SiteCalendar.almaty
        // The data ends on a day boundary: 2026-12-01T00:00+05:00.
        let end: Int64 = 1_796_065_200_000
        let start = end - Int64(days) * 86_400_000
        let fresh = !FileManager.default.fileExists(atPath: path)
        let store = try SampleStore(path: path)
        var fillSeconds = 0.0
        if fresh {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let ids = try store.register(devices: (1...meters).map {
                (DeviceRecord(name: String(format: "M%04d", $0), kind: "meter", profile: "sdm630", gateway: "bench", unitId: $0, feeder: "F\($0)"),
                 [ChannelName(.energyImport)])
            })
            let channels = (1...meters).map { ids[String(format: "M%04d", $0)]![ChannelName(.energyImport)]! }
            let writer = try SampleWriter(store: store, nowMs: start)
            try writer.configureEnergy(
                channels.enumerated().map { EnergyChannelSetup(channel: $1, device: String(format: "M%04d", $0 + 1), options: CounterOptions(pollIntervalMs: 900_000)) },
                calendar: calendar, nowMs: start)
            var batch: [Sample] = []
            batch.reserveCapacity(meters)
            var t = start
            while t <= end {
                batch.removeAll(keepingCapacity: true)
                for (i, c) in channels.enumerated() {
                    // 20–120 kW, whole Wh.
                    batch.append(Sample(channel: c, timeMs: t + 1_000, value: .energy(Int64(i) * 1_000_000 + (t - start) / 36_000 * Int64(20 + i % 100) / 100)))
                }
                _ = try batch.withUnsafeBufferPointer { try writer.append($0) }
                if (t - start) % (6 * 3_600_000) == 0 { try writer.seal(nowMs: t, force: false) }
                t += 900_000
            }
            try writer.seal(nowMs: end + 86_400_000, force: true)
            fillSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
        let model = try EnergyReadModel.of(store: store, calendar: calendar, now: { end + 1_000 })
        func measure(_ label: String, from: Int64, to: Int64, step: IntervalStep) throws -> [String: Double] {
            let cpu0 = cpuSeconds()
            let t0 = DispatchTime.now().uptimeNanoseconds
            let rows = try model.periods(meter: nil, step: step, fromMs: from, toMs: to)
            let wall = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            let cpu = cpuSeconds() - cpu0
            let withData = rows.filter { $0.hasValue }.count
            if !json {
                print("  \(label): \(rows.count) rows (\(withData) with energy), \(String(format: "%.3f", wall)) s wall, \(String(format: "%.3f", cpu)) s CPU")
            }
            return ["rows": Double(rows.count), "rows_with_energy": Double(withData), "wall_s": wall, "cpu_s": cpu]
        }
        if !json {
            print("esep bench read-model: \(meters) meters, \(days) days of 15-minute readings up to 2026-12-01\(fresh ? String(format: " (stored in %.1f s)", fillSeconds) : " (reused \(path))")")
        }
        var result: [String: [String: Double]] = [:]
        result["year_15m"] = try measure("a year of 15-minute site intervals", from: end - 365 * 86_400_000, to: end, step: .minutes(15))
        result["year_15m_again"] = try measure("the same again (caches warm)", from: end - 365 * 86_400_000, to: end, step: .minutes(15))
        result["last_day_15m"] = try measure("the last day of 15-minute site intervals", from: end - 86_400_000, to: end, step: .minutes(15))
        result["year_before_data"] = try measure("a year before any data", from: start - 365 * 86_400_000, to: start, step: .minutes(15))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        }
    }
}

