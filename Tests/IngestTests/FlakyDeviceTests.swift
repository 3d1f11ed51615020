import Foundation
import Metering
import Simulator
import Store
import Testing

@testable import Ingest

@Suite(.serialized) struct FlakyDeviceTests {
    /// A meter that answers 30 % of requests with "busy": each failed read is retried once in the
    /// same poll, so about nine reads in ten deliver (before: three failures in a row started a
    /// back-off and the device gave 0–47 % of its samples).
    @Test func aMeterRefusingAThirdOfRequestsStillDeliversMostSamples() async throws {
        let sim = try startSim(meters: 1, profiles: ["iem3000"]) {
            $0.faults.exceptionRate = 0.3
            $0.seed = 42
        }
        defer { sim.stop() }
        let store = try SampleStore(path: temporaryDatabase())
        let devs = devices(gateway: "g", port: sim.port, units: 1...1, sim: sim, intervalMs: 100)
        let pipeline = try IngestPipeline(devices: devs, store: store, options: testOptions(), logger: quiet)
        let fields = devs[0].profile.fields.count
        pipeline.start()
        try await Task.sleep(for: .seconds(6))
        pipeline.stop()
        let s = pipeline.statistics
        // 6 s at 100 ms: about 60 polls of `fields` values.
        let expected = 60 * fields
        #expect(Double(s.stored) >= 0.75 * Double(expected), "stored \(s.stored) of about \(expected)")
        #expect(s.polled == s.stored + s.dropped)
    }

    /// The back-off after consecutive failed polls: twice the poll interval at the threshold,
    /// doubling after each further failed poll, capped.
    @Test func backoffDoublesFromTwoPollIntervalsToTheCap() {
        let waits = (3...12).map {
            ConnectionPoller.backoffBaseMs(failures: $0, threshold: 3, pollIntervalMs: 1_000, maxMs: 300_000)
        }
        #expect(waits == [2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000, 300_000])
        // Far past any count a daemon reaches: no overflow, the cap.
        #expect(
            ConnectionPoller.backoffBaseMs(failures: Int.max, threshold: 3, pollIntervalMs: .max, maxMs: 300_000)
                == 300_000)
    }
}
