import Foundation
import Metering
import Simulator
import Store
import Testing

@Suite(.serialized) struct CLITests {
    /// An independent Modbus client (mbpoll, Debian package) reads a simulated SDM630's import
    /// energy from `esep sim` and gets what `esep sim --print-truth` says.
    @Test func mbpollReadsTheTruth() throws {
        let mbpoll = URL(fileURLWithPath: "/usr/bin/mbpoll")
        try #require(FileManager.default.isExecutableFile(atPath: mbpoll.path), "mbpoll is not installed: run scripts/install-deps.sh")
        let at = "2026-06-01T12:00:00Z"
        let sim = try BackgroundProcess(esepBinary(), ["sim", "--listen", "127.0.0.1:0", "--meters", "3", "--frozen-at", at])
        #expect(sim.waitForOutput(containing: "listening on"))
        let port = try #require(listeningPort(sim.stdout))
        let truth = try runCommand(esepBinary(), ["sim", "--print-truth", "--meters", "3", "--at", at, "--format", "json"])
        #expect(truth.status == 0)
        let lines = truth.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        for (unit, line) in lines.enumerated() {
            let t = try JSONDecoder().decode(MeterTruth.self, from: Data(line.utf8))
            // SDM630 import energy: input registers 30073–30074 (PDU 0x48), float32 kWh, big-endian
            // words. mbpoll prints floats to 6 significant digits only, so read the two registers
            // raw (hex) and assemble the float here.
            let r = try runCommand(
                mbpoll,
                ["-m", "tcp", "-p", String(port), "-a", String(unit + 1), "-t", "3:hex", "-r", "73", "-c", "2", "-1", "127.0.0.1"])
            #expect(r.status == 0, "mbpoll failed: \(r.stderr)")
            func register(_ n: Int) throws -> UInt32 {
                let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("[\(n)]:") }, "no [\(n)] in: \(r.stdout)")
                let hex = line.dropFirst("[\(n)]:".count).trimmingCharacters(in: .whitespaces)
                return try #require(UInt32(hex.hasPrefix("0x") ? String(hex.dropFirst(2)) : hex, radix: 16))
            }
            let kWh = Double(Float(bitPattern: try register(73) << 16 | register(74)))
            #expect(Int64((kWh * 1000).rounded()) == t.importWh, "unit \(unit + 1): mbpoll \(kWh) kWh, truth \(t.importWh) Wh")
        }
        sim.signal(SIGTERM)
        #expect(sim.waitForExit(timeout: 10) == 0)
    }

    @Test func checkConfigAcceptsTheExampleAndListsEveryMistake() throws {
        let example = repositoryRoot().appendingPathComponent("deploy/esep.example.toml").path
        let ok = try runCommand(esepBinary(), ["check-config", example])
        #expect(ok.status == 0, "\(ok.stderr)")
        let plan = try runCommand(esepBinary(), ["check-config", "--plan", example])
        #expect(plan.status == 0)
        #expect(plan.stdout.contains("FC0"))

        let dir = temporaryDirectory()
        let bad = dir.appendingPathComponent("bad.toml")
        try """
            [site]
            name = "Bad site"
            timezone = "Asia/Nowhere"

            [[gateways]]
            id = "gw1"
            host = "10.0.0.10"
            prot = 502

            [[meters]]
            id = "F1"
            gateway = "gw1"
            unit_id = 1
            profile = "sdm630"
            poll_interval_ms = 5

            [[meters]]
            id = "F2"
            gateway = "gw1"
            unit_id = 1
            profile = "nosuchmeter"
            """.write(to: bad, atomically: true, encoding: .utf8)
        let r = try runCommand(esepBinary(), ["check-config", bad.path])
        #expect(r.status != 0)
        let errors = r.stderr.split(separator: "\n").map(String.init)
        #expect(errors.contains { $0.hasPrefix("\(bad.path):3: site.timezone:") })
        #expect(errors.contains { $0.hasPrefix("\(bad.path):8: gateways[0].prot:") && $0.contains("port") })
        #expect(errors.contains { $0.hasPrefix("\(bad.path):15: meters[0].poll_interval_ms:") })
        #expect(errors.contains { $0.hasPrefix("\(bad.path):20: meters[1].unit_id:") })
        #expect(errors.contains { $0.hasPrefix("\(bad.path):21: meters[1].profile:") })
    }

    /// SIGTERM: exits 0, the ring is drained, the last polled samples are stored.
    @Test func sigtermDrainsAndExitsZero() async throws {
        let db = temporaryDirectory().appendingPathComponent("esep.sqlite").path
        let run = try BackgroundProcess(esepBinary(), ["run", "--db", db, "--meters", "5", "--api-listen", "127.0.0.1:0"])
        #expect(run.waitForOutput(containing: "ingest started"))
        try await Task.sleep(for: .milliseconds(3000))
        let stoppedAt = WallClock.nowMs()
        run.signal(SIGTERM)
        #expect(run.waitForExit(timeout: 10) == 0, "\(run.stderr)")
        let store = try SampleStore(path: db, readOnly: true)
        #expect(try store.integrityCheck() == "ok")
        let latest = try store.latest()
        let energy = try store.channels().filter { $0.name == ChannelName(.energyImport) }
        #expect(energy.count == 5)
        for c in energy {
            let t = try #require(latest[c.id]).timeMs
            #expect(stoppedAt - t < 1_500, "the last sample of \(c.device) is \(stoppedAt - t) ms old")
        }
        #expect(run.stderr.contains("esep stopped"))
    }

    /// SIGKILL while writing: the database opens cleanly, nothing committed is lost, polling resumes.
    @Test func sigkillLosesNothingCommitted() async throws {
        let db = temporaryDirectory().appendingPathComponent("esep.sqlite").path
        let first = try BackgroundProcess(esepBinary(), ["run", "--db", db, "--meters", "10", "--api-listen", "127.0.0.1:0"])
        #expect(first.waitForOutput(containing: "ingest started"))
        try await Task.sleep(for: .milliseconds(2500))
        first.signal(SIGKILL)
        _ = first.waitForExit(timeout: 5)
        let before: Int64
        do {
            let store = try SampleStore(path: db, readOnly: true)
            #expect(try store.integrityCheck() == "ok")
            let c = try store.sampleCounts()
            before = c.sealed + c.hot
            #expect(before > 0)
        }
        let second = try BackgroundProcess(esepBinary(), ["run", "--db", db, "--meters", "10", "--duration", "2", "--api-listen", "127.0.0.1:0"])
        #expect(second.waitForExit(timeout: 20) == 0, "\(second.stderr)")
        let store = try SampleStore(path: db, readOnly: true)
        #expect(try store.integrityCheck() == "ok")
        let c = try store.sampleCounts()
        #expect(c.sealed + c.hot > before)
    }
}
