import Foundation
import Ingest
import Metering
import Simulator
import Store
import Testing

/// What wakes the daemon's threads (issue: a daemon that sleeps when idle, and pays per request
/// what the wire costs). Upper bounds on wake-ups: CPU contention can only merge wake-ups, never
/// add them, so these bounds hold on a loaded machine too.
@Suite(.serialized) struct IngestWakeupTests {
    /// Devices due within the coalescing window are polled in one timer firing: 20 meters every
    /// second, spread over the second in 100 ms slots, cost at most ~10 wake-ups a second, not 20.
    @Test func devicesDueTogetherShareOneTimerFiring() async throws {
        let sim = try startSim(meters: 20, profiles: ["sdm630"])
        defer { sim.stop() }
        let store = try SampleStore(path: temporaryDatabase())
        var options = testOptions()
        options.pollCoalesceMs = 1_000  // capped at a tenth of the 1 s interval: 100 ms slots
        let pipeline = try IngestPipeline(
            devices: devices(gateway: "a", port: sim.port, units: 1...20, sim: sim, intervalMs: 1_000), store: store,
            options: options, logger: quiet)
        pipeline.start()
        try await Task.sleep(for: .milliseconds(3_000))
        pipeline.stop()
        let s = pipeline.statistics
        let polls = pipeline.board.snapshot().reduce(0) { $0 + $1.polls }
        #expect(polls >= 40, "3 s of 20 meters at 1 s: \(polls) polls")
        // 20 meters in 10 slots: two polls a firing (more when firings run late and merge), and a
        // firing or two at the edges. Each meter at its own time would be one poll a firing.
        #expect(s.pollerWakeups * 2 <= polls + 2, "\(s.pollerWakeups) timer firings for \(polls) polls")
        #expect(s.dropped == 0 && s.stored == s.polled)
    }

    /// With nothing due, the writer sleeps until housekeeping (once a second here) or a poller hands
    /// over samples; it used to turn every 5 ms (200 times a second) whatever happened.
    @Test func anIdleWriterSleeps() async throws {
        let sim = try startSim(meters: 2, profiles: ["sdm630"])
        defer { sim.stop() }
        let store = try SampleStore(path: temporaryDatabase())
        var options = testOptions()
        options.housekeepingIntervalMs = 1_000
        let pipeline = try IngestPipeline(
            devices: devices(gateway: "a", port: sim.port, units: 1...2, sim: sim, intervalMs: 60_000), store: store,
            options: options, logger: quiet)
        pipeline.start()
        // The first polls (both meters at once) are over within the first half second.
        try await Task.sleep(for: .milliseconds(500))
        let before = pipeline.statistics
        let started = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(3_000))
        let after = pipeline.statistics
        // However long the sleep really took (a loaded machine resumes it late).
        let seconds = (ContinuousClock.now - started).components.seconds + 1
        pipeline.stop()
        #expect(after.polled == before.polled, "nothing was due")
        // A housekeeping turn a second, give or take one at each end (it was 200 a second).
        let turns = after.writerTurns - before.writerTurns
        #expect(turns <= seconds + 3, "writer turned \(turns) times in \(seconds) idle seconds")
        #expect(after.pollerWakeups - before.pollerWakeups <= 1)
        // And what was polled is stored: the writer is woken, not left waiting for housekeeping.
        #expect(after.stored == after.polled)
    }

    /// A sample handed over while the writer sleeps is committed within the commit interval, not
    /// at the next housekeeping: the poller wakes it.
    @Test func aPollerWakesTheSleepingWriter() async throws {
        let sim = try startSim(meters: 1, profiles: ["sdm630"])
        defer { sim.stop() }
        let store = try SampleStore(path: temporaryDatabase())
        var options = testOptions()
        options.housekeepingIntervalMs = 60_000
        options.summaryIntervalMs = 0
        let pipeline = try IngestPipeline(
            devices: devices(gateway: "a", port: sim.port, units: 1...1, sim: sim, intervalMs: 60_000), store: store,
            options: options, logger: quiet)
        pipeline.start()
        defer { pipeline.stop() }
        // One poll at start; its samples must be stored long before the 60 s housekeeping.
        var stored: Int64 = 0
        for _ in 0..<100 where stored == 0 {
            try await Task.sleep(for: .milliseconds(50))
            stored = pipeline.statistics.stored
        }
        #expect(stored > 0, "the writer slept through the poll")
        #expect(pipeline.statistics.writerTurns < 20)
    }
}
