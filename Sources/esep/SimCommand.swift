import ArgumentParser
import Dispatch
import Foundation
import Metering
import Simulator

/// `esep sim`: simulated meters and a SAON controller served over Modbus/TCP.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Serve simulated meters and a SAON controller over Modbus/TCP, or print their truth.",
        discussion: """
            Meters sit on unit ids 1…N, each with its own seeded load curve (a constant plus a sine);
            cumulative energy is the exact integral of that power since 2026-01-01T00:00Z. The SAON
            controller answers on --saon-unit; writing coil N drives its discrete input N.

            esep sim --print-truth --meters N --at TIME prints what every meter's registers hold at TIME,
            so tests and benchmarks can compare what esep stored with the truth. Use the same --seed,
            --profile, --reset and --rollover flags as the running simulator.
            """
    )

    @Option(help: "Address to listen on, host:port ([::1]:port for IPv6; port 0 picks a free one).")
    var listen = Endpoint(host: "127.0.0.1", port: 5020)

    @Option(help: "Number of simulated meters (unit ids 1…N).")
    var meters = 20

    @Option(help: "Meter profile, or a comma-separated list assigned round-robin: \(DeviceProfile.builtInMeterNames.joined(separator: ", ")).")
    var profile = "sdm630"

    @Option(help: "Seed of the load curves and of fault injection.")
    var seed: UInt64 = 1

    @Option(help: "Unit id of the SAON controller (0: none).")
    var saonUnit = 100

    @Option(help: "SAON drill cycle in seconds: test mode and a stage-1 trip for 5 s every cycle (0: off).")
    var saonCycle = 0

    @Option(help: "The stage the drill trips (its breakers open and their meters' load drops to 0).")
    var saonCycleStage = 1

    @Flag(help: "The drill trips without test mode: a real trip every cycle.")
    var saonCycleReal = false

    @Option(
        help: """
            A breaker that reports open without interrupting its load (a shed that fails verification). \
            Breaker N feeds meter N; stage S trips breakers 2S-1 and 2S. Repeatable.
            """)
    var saonStuckBreaker: [Int] = []

    @Option(help: "Load rise: the meters no SAON breaker feeds draw this many percent more, ramping up over --load-rise-ramp.")
    var loadRise = 0.0

    @Option(help: "Seconds from start until the load rise begins.")
    var loadRiseAfter = 0

    @Option(help: "Seconds the load rise takes to reach its full size.")
    var loadRiseRamp = 600

    @Option(help: "Added latency per reply, ms.")
    var latencyMs = 0

    @Option(help: "Unit ids that get the latency (comma-separated; default all).")
    var latencyUnits: String?

    @Option(help: "Share of requests answered with a Modbus exception (0…1).")
    var exceptionRate = 0.0

    @Option(help: "Exception code used by --exception-rate (1–11; 6 = server busy).")
    var exceptionCode: UInt8 = 6

    @Option(help: "Share of requests whose connection is dropped (0…1).")
    var dropRate = 0.0

    @Option(help: "Refuse reads of more registers than this with 'illegal data value'.")
    var maxRead = 125

    @Flag(help: "Refuse reads that cover unmapped registers with 'illegal data address'.")
    var rejectHoles = false

    @Option(help: "Meter reset: UNIT@TIME — the import counter restarts at 0 at TIME. Repeatable.")
    var reset: [String] = []

    @Option(help: "Counter rollover: UNIT@TIME[:MODULUS_WH] — the import register wraps to 0 at TIME. Repeatable.")
    var rollover: [String] = []

    @Option(help: "Serve a frozen clock stopped at this time instead of the wall clock.")
    var frozenAt: TimeArgument?

    @Option(help: "Stop after this many seconds (default: until SIGINT/SIGTERM).")
    var duration: Double?

    @Flag(help: "Print the truth of every meter at --at and exit.")
    var printTruth = false

    @Option(help: "With --print-truth: the instant (default now).")
    var at: TimeArgument?

    @Option(help: "With --print-truth: table or json (one object per line).")
    var format: OutputFormat = .table

    func validate() throws {
        guard (1...247).contains(meters) else { throw ValidationError("--meters must be 1…247 (Modbus unit ids), got \(meters)") }
        guard (0...247).contains(saonUnit) else { throw ValidationError("--saon-unit must be 0…247, got \(saonUnit)") }
        if saonUnit > 0 && saonUnit <= meters {
            throw ValidationError("--saon-unit \(saonUnit) collides with meter unit ids 1…\(meters)")
        }
        guard (0...1).contains(exceptionRate), (0...1).contains(dropRate) else {
            throw ValidationError("--exception-rate and --drop-rate are shares between 0 and 1")
        }
        guard (1...125).contains(maxRead) else { throw ValidationError("--max-read must be 1…125") }
        _ = try makeConfiguration()
    }

    func makeConfiguration() throws -> SimulatorConfiguration {
        var c = SimulatorConfiguration()
        c.host = listen.host
        c.port = listen.port
        c.meters = meters
        c.profiles = try profile.split(separator: ",").map { name in
            let n = name.trimmingCharacters(in: .whitespaces)
            guard let p = DeviceProfile.builtIn[n], p.kind == .meter else {
                throw ValidationError(
                    "--profile: unknown meter profile '\(n)'; built-in: \(DeviceProfile.builtInMeterNames.joined(separator: ", "))")
            }
            return p
        }
        c.seed = seed
        c.saonUnitId = saonUnit
        guard saonCycle == 0 || (10...86_400).contains(saonCycle) else {
            throw ValidationError("--saon-cycle must be 0 (off) or 10…86400 s (a drill lasts 5 s), got \(saonCycle)")
        }
        c.saonCycleSeconds = saonCycle
        guard (1...4).contains(saonCycleStage) else { throw ValidationError("--saon-cycle-stage must be 1…4, got \(saonCycleStage)") }
        c.saonCycleStage = saonCycleStage
        c.saonCycleTestMode = !saonCycleReal
        for b in saonStuckBreaker where !(1...8).contains(b) {
            throw ValidationError("--saon-stuck-breaker must be 1…8 (the default map's feeder inputs), got \(b)")
        }
        c.saonStuckBreakers = Set(saonStuckBreaker)
        if loadRise != 0 {
            guard loadRise.isFinite, (0...1000).contains(loadRise) else {
                throw ValidationError("--load-rise must be 0…1000 percent, got \(loadRise)")
            }
            guard (0...31_536_000).contains(loadRiseAfter), (1...86_400).contains(loadRiseRamp) else {
                throw ValidationError("--load-rise-after must be 0…31536000 s and --load-rise-ramp 1…86400 s")
            }
            c.loadRise = LoadRise(
                startMs: WallClock.nowMs() + Int64(loadRiseAfter) * 1000, percent: loadRise, rampMs: Int64(loadRiseRamp) * 1000)
        }
        c.faults.latencyMs = latencyMs
        c.faults.latencyUnits = Set((latencyUnits ?? "").split(separator: ",").compactMap { Int($0) })
        c.faults.exceptionRate = exceptionRate
        c.faults.exceptionCode = exceptionCode
        c.faults.dropRate = dropRate
        c.faults.maxReadRegisters = maxRead
        c.faults.rejectHoles = rejectHoles
        c.resets = try reset.map { try Self.parseFault($0, option: "--reset", allowModulus: false) }
        c.rollovers = try rollover.map { try Self.parseFault($0, option: "--rollover", allowModulus: true) }
        return c
    }

    static func parseFault(_ text: String, option: String, allowModulus: Bool) throws -> CounterFault {
        let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
        guard parts.count == 2, let unit = Int(parts[0]) else {
            throw ValidationError("\(option) '\(text)': expected UNIT@TIME\(allowModulus ? "[:MODULUS_WH]" : "")")
        }
        var timeText = parts[1]
        var modulus: Int64?
        if allowModulus, let colon = timeText.lastIndex(of: ":"), let m = Int64(timeText[timeText.index(after: colon)...]),
            (try? SiteCalendar.almaty.parseTime(String(timeText[..<colon]), nowMs: 0)) != nil
        {
            modulus = m
            timeText = String(timeText[..<colon])
        }
        let ms = try TimeArgument(argument: timeText).ms(option: "\(option) '\(text)'")
        return CounterFault(unitId: unit, atMs: ms, modulusWh: modulus)
    }

    func run() throws {
        let configuration = try makeConfiguration()
        if printTruth {
            let ms = try at?.ms(option: "--at") ?? WallClock.nowMs()
            let site = SimulatedSite(configuration: configuration, clock: .frozen(atMs: ms))
            print(Self.render(site.truth(atMs: ms), format: format))
            return
        }
        let clock = try frozenAt.map { SimulationClock.frozen(atMs: try $0.ms(option: "--frozen-at")) } ?? .wall()
        let server = SimulatorServer(configuration: configuration, clock: clock)
        try server.start()
        let profiles = configuration.profiles.map(\.name).joined(separator: ",")
        print(
            "esep sim: \(meters) meter(s) [\(profiles)] on unit ids 1…\(meters)"
                + (saonUnit > 0 ? ", SAON on unit \(saonUnit)" : "")
                + ", listening on \(Endpoint(host: listen.host, port: server.port))")
        fflush(nil)
        waitForTermination(seconds: duration)
        server.stop()
        let s = server.site.statistics
        print("esep sim: stopped after \(s.served) replies, \(s.exceptions) exceptions, \(s.dropped) dropped connections")
    }

    static func render(_ truths: [MeterTruth], format: OutputFormat) -> String {
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return truths.compactMap { try? String(decoding: encoder.encode($0), as: UTF8.self) }.joined(separator: "\n")
        case .table, .csv:
            var table = TextTable(
                header: ["unit", "profile", "time (UTC)", "import Wh", "export Wh", "true import Wh", "power W"],
                rightAligned: [0, 3, 4, 5, 6])
            for t in truths {
                table.rows.append([
                    String(t.unitId), t.profile, iso8601(t.atMs), String(t.importWh), String(t.exportWh),
                    String(t.trueImportWh), String(format: "%.1f", t.powerW),
                ])
            }
            return table.render()
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, Sendable, CaseIterable {
    case table, csv, json
}

/// Blocks until SIGINT or SIGTERM (or the given number of seconds).
func waitForTermination(seconds: Double?) {
    let done = DispatchSemaphore(value: 0)
    var sources: [any DispatchSourceSignal] = []
    for sig in [SIGINT, SIGTERM] {
        signal(sig, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
        source.setEventHandler { done.signal() }
        source.resume()
        sources.append(source)
    }
    if let seconds {
        _ = done.wait(timeout: .now() + seconds)
    } else {
        done.wait()
    }
    for s in sources { s.cancel() }
}
