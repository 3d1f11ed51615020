import Foundation
import Ingest
import Metering
import Simulator
import Store
import Testing

/// `IngestPipeline.progress`: what the service watchdog is fed on.
@Suite struct ProgressTests {
    /// A writer thread stuck (until the test lets it go) shows as stalled (the watchdog stops being fed) and as progressing
    /// again once it moves on; polling goes on into the rings meanwhile and nothing is lost.
    @Test func aStuckWriterIsReportedAndItsRecoveryToo() async throws {
        let sim = try startSim(meters: 2, profiles: ["sdm630"])
        defer { sim.stop() }
        let store = try SampleStore(path: temporaryDatabase())
        var options = testOptions()
        let gate = IngestOptions.StallGate()
        options.writerStallForTesting = gate
        let pipeline = try IngestPipeline(
            devices: devices(gateway: "sim", port: sim.port, units: 1...2, sim: sim), store: store, options: options, logger: quiet)
        #expect(pipeline.progress(nowMs: WallClock.nowMs(), writerStallMs: 1_000).writerSilentMs == nil)
        pipeline.start()
        defer {
            gate.release()
            pipeline.stop()
        }
        func waitFor(_ what: (IngestProgress) -> Bool) async throws -> IngestProgress? {
            for _ in 0..<1_200 {
                let p = pipeline.progress(nowMs: WallClock.nowMs(), writerStallMs: 1_000)
                if what(p) { return p }
                try await Task.sleep(for: .milliseconds(50))
            }
            return nil
        }
        let running = try await waitFor { $0.writerSilentMs != nil && $0.isProgressing }
        #expect(running != nil, "the writer never started")
        gate.arm()
        let stalled = try #require(try await waitFor { $0.writerStalled })
        #expect(!stalled.isProgressing)
        #expect(stalled.description.hasPrefix("writer stalled for"), "\(stalled)")
        gate.release()
        let recovered = try await waitFor { $0.isProgressing }
        #expect(recovered != nil, "the writer did not move on after its stall")
        #expect(recovered?.stuckPollers.isEmpty == true)
        pipeline.stop()
        #expect(pipeline.statistics.dropped == 0)
        #expect(pipeline.statistics.stored > 0)
    }
}
