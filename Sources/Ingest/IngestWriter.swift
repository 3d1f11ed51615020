import CoreMetrics
import Dispatch
import Foundation
import Logging
import Metering
import Store
import Synchronization

/// The one consumer of the sample rings: drains them in batches into the store.
///
/// Threading: runs on its own `Thread` and is the only user of its ``SampleWriter`` (and so of
/// the store's write connection). Each batch is one transaction. Once a second it flushes
/// device health, seals closed chunk windows and, at the summary interval, logs a summary.
/// ``stop()`` lets it drain every ring before it returns, so nothing polled is lost.
public final class IngestWriter: @unchecked Sendable {
    private let writer: SampleWriter
    private let rings: SampleRingSet
    private let board: HealthBoard
    private let options: IngestOptions
    private let metrics: IngestMetrics
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    /// Wall ms of the loop's latest turn (0 before it starts): the daemon's watchdog feeds only while
    /// this moves on.
    let heartbeatMs = Atomic<Int64>(0)
    private let finished = DispatchSemaphore(value: 0)
    private let counters = Mutex(IngestStatistics())
    /// Whether the store takes writes now (``/readyz``).
    let health: StoreHealth
    private var thread: Thread?
    private var failure: StoreError?
    /// Writer-thread state: device health as last written, and when it is written next.
    private var writtenHealth: [String: DeviceHealth] = [:]
    private var nextHealthFlushMs: Int64 = 0
    /// Work for the writer's thread (a reload's new energy channels), run between batches; `open`
    /// while the thread's loop runs (otherwise work runs on the caller's thread).
    private let commands = Mutex<(open: Bool, work: [@Sendable (SampleWriter) -> Void])>((false, []))
    /// Wakes the thread from a timed sleep while a batch waits for its commit (stop, work to run).
    private let nudge = DispatchSemaphore(value: 0)

    init(
        writer: SampleWriter, rings: SampleRingSet, board: HealthBoard, options: IngestOptions, metrics: IngestMetrics,
        health: StoreHealth, logger: Logger
    ) {
        self.writer = writer
        self.rings = rings
        self.board = board
        self.options = options
        self.metrics = metrics
        self.logger = logger
        self.health = health
        metrics.storeWritable.record(1)
    }

    /// Statistics of the writer side.
    var statistics: IngestStatistics {
        var s = counters.withLock { $0 }
        s.writerTurns = turns.load(ordering: .relaxed)
        return s
    }
    private let turns = Atomic<Int64>(0)

    func start() {
        let t = Thread { [self] in self.loop() }
        t.name = "esep.writer"
        t.qualityOfService = .userInitiated
        thread = t
        t.start()
    }

    /// Runs `body` with the store writer on the writer's thread, between two batches (on the
    /// caller's thread while the writer does not run), and returns what it returns.
    /// - Parameter operation: what the work is, for the error when it is not taken.
    /// - Throws: what `body` throws, or a ``StoreError`` naming `operation` when the writer does not
    ///   take the work within `timeoutMs` (stopped meanwhile, or stalled).
    @discardableResult
    func perform<T: Sendable>(
        _ operation: String, timeoutMs: Int = 30_000, _ body: @escaping @Sendable (SampleWriter) throws(StoreError) -> T
    ) throws(StoreError) -> T {
        let result = Mutex<Result<T, StoreError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let work: @Sendable (SampleWriter) -> Void = { w in
            let r: Result<T, StoreError>
            do throws(StoreError) { r = .success(try body(w)) } catch { r = .failure(error) }
            result.withLock { $0 = r }
            done.signal()
        }
        let queued = commands.withLock { c in
            if c.open { c.work.append(work) }
            return c.open
        }
        if !queued {
            work(writer)
        } else {
            rings.wakeConsumer()
            nudge.signal()
            if done.wait(timeout: .now() + .milliseconds(timeoutMs)) == .timedOut {
                throw StoreError(
                    .write, path: writer.store.path, operation: operation,
                    reason: "the store writer's thread did not take the work within \(timeoutMs / 1000) s (stalled, or stopping)")
            }
        }
        return try result.withLock { $0! }.get()
    }

    /// Runs the commands waiting for the writer's thread.
    private func runCommands(closing: Bool = false) {
        let pending = commands.withLock { c -> [@Sendable (SampleWriter) -> Void] in
            defer { c.work.removeAll() }
            if closing { c.open = false }
            return c.work
        }
        for work in pending { work(writer) }
    }

    /// Seals every open window (after ``stop()``).
    func sealAll() throws(StoreError) {
        precondition(thread == nil, "sealAll() while the writer thread runs")
        try writer.seal(nowMs: options.clock.nowMs(), force: true)
    }

    /// Sleeps `ms` while a batch waits for its commit, unless woken (stop, work to run).
    private func idle(ms: Int64) {
        _ = nudge.wait(timeout: .now() + .milliseconds(Int(min(ms, 60_000))))
    }

    /// Drains every ring, commits, flushes health and returns.
    func stop() {
        guard thread != nil else { return }
        stopping.store(true, ordering: .releasing)
        rings.wakeConsumer()
        nudge.signal()
        finished.wait()
        thread = nil
    }

    private func loop() {
        let batch = UnsafeMutableBufferPointer<Sample>.allocate(capacity: options.batchMax)
        defer {
            batch.deallocate()
            finished.signal()
        }
        var nextHousekeeping = WallClock.nowMs() + options.housekeepingIntervalMs
        var nextSummary = options.summaryIntervalMs > 0 ? WallClock.nowMs() + options.summaryIntervalMs : Int64.max
        var last = IngestStatistics()
        var n = 0
        var batchStarted = Int64.max
        // A batch the store refused is kept and retried (with back-off) until it commits; the
        // samples polled meanwhile wait in the rings, and only what no ring can hold is lost.
        var failing = false
        var retryAtMs: Int64 = 0
        var retryDelayMs: Int64 = 0
        var giveUpAtMs = Int64.max
        commands.withLock { $0.open = true }
        defer { runCommands(closing: true) }
        while true {
            let stop = stopping.load(ordering: .acquiring)
            turns.add(1, ordering: .relaxed)
            runCommands()
            var got = 0
            if !failing {
                got = rings.drain(into: UnsafeMutableBufferPointer(rebasing: batch[n...]))
                if got > 0, n == 0 { batchStarted = WallClock.nowMs() }
                n += got
            }
            let now = WallClock.nowMs()
            heartbeatMs.store(now, ordering: .relaxed)
            // Test seam: the thread stuck, as in a call that never returns.
            options.writerStallForTesting?.stallIfArmed()
            if stop, failing, giveUpAtMs == .max { giveUpAtMs = now + options.storeRetryOnStopMs }
            // Commit when the batch is full, when it has waited commitInterval, or when stopping;
            // fewer, larger transactions cost far less than many small ones. A refused batch is
            // retried when its back-off has passed.
            let due =
                n > 0 && (failing ? now >= retryAtMs : n == batch.count || stop || now - batchStarted >= options.commitIntervalMs)
            if due {
                let began = DispatchTime.now().uptimeNanoseconds
                do {
                    let stored = try writer.append(UnsafeBufferPointer(rebasing: batch[0..<n]))
                    metrics.commitDuration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - began))
                    metrics.batchSize.record(n)
                    metrics.stored.increment(by: Int64(stored))
                    counters.withLock {
                        $0.batches += 1
                        $0.stored += Int64(stored)
                    }
                    n = 0
                    if failing {
                        failing = false
                        storeRecovered("append")
                    }
                } catch {
                    counters.withLock { $0.writeErrors += 1 }
                    if !failing {
                        failing = true
                        retryDelayMs = options.storeRetryInitialMs
                    } else {
                        retryDelayMs = min(options.storeRetryMaxMs, retryDelayMs * 2)
                    }
                    retryAtMs = now + retryDelayMs
                    storeFailed("append", error, samples: n, retryInMs: retryDelayMs)
                }
            } else if stop, n == 0 {
                break
            } else if got == 0 {
                if failing {
                    usleep(20_000)
                } else {
                    // Nothing to drain: sleep until the next thing to do — the held batch's commit,
                    // housekeeping, the summary — or, with no batch held, until a poller hands over
                    // samples. A daemon with nothing due does not wake.
                    var until = min(nextHousekeeping, nextSummary)
                    if n > 0 {
                        until = min(until, batchStarted + options.commitIntervalMs)
                        let ms = until - now
                        if ms > 0 { idle(ms: ms) }
                    } else {
                        rings.waitForData(timeoutMs: until - now)
                    }
                }
            }
            if stop, failing, now >= giveUpAtMs {
                // Stopping with a store that still refuses writes: what is held cannot be kept.
                var lost = n
                while true {
                    let more = rings.drain(into: batch)
                    if more == 0 { break }
                    lost += more
                }
                metrics.droppedStore.increment(by: Int64(lost))
                counters.withLock { $0.droppedStoreUnwritable += Int64(lost) }
                logger.critical(
                    "stopping with the store not writable: samples not stored",
                    metadata: ["samples": "\(lost)", "db": "\(writer.store.path)"])
                n = 0
                break
            }
            if now >= nextHousekeeping {
                nextHousekeeping = now + options.housekeepingIntervalMs
                housekeeping(now: options.clock.nowMs())
            }
            if now >= nextSummary {
                nextSummary = now + options.summaryIntervalMs
                let s = statistics
                let dropped = rings.dropped
                logger.info(
                    "ingest summary",
                    metadata: [
                        "stored": "\(s.stored - last.stored)", "batches": "\(s.batches - last.batches)",
                        "dropped_total": "\(Int64(dropped) + s.droppedStoreUnwritable)",
                        "dropped_ring_full": "\(dropped)", "dropped_store_unwritable": "\(s.droppedStoreUnwritable)",
                        "ring_depth": "\(rings.count)",
                        "devices_down": "\(board.down(threshold: options.failureThreshold))",
                        "chunks_sealed": "\(writer.sealedChunks)",
                        "store": "\(health.notReadyReason == nil ? "ok" : "not writable")",
                    ])
                last = s
            }
        }
        housekeeping(now: options.clock.nowMs(), final: true)
        do {
            try writer.flushLatest()
        } catch {
            logger.error("store: writing latest values failed", metadata: ["error": "\(error)"])
        }
    }

    /// Logs the first failure of `part` (not every retry) and marks the store not writable.
    private func storeFailed(_ part: String, _ error: StoreError, samples: Int, retryInMs: Int64) {
        if health.failed(part, error: error.reason, nowMs: WallClock.nowMs()) {
            var metadata: Logger.Metadata = ["part": "\(part)", "error": "\(error)", "retry_ms": "\(retryInMs)"]
            if part == "append" { metadata["held_samples"] = "\(samples)" }
            logger.error(
                part == "append"
                    ? "store not writable: holding the batch and retrying; polling goes on into the rings"
                    : "store not writable: housekeeping (device health, sealing) retried every second",
                metadata: metadata)
        }
        metrics.storeWritable.record(0)
    }

    /// Logs the recovery of `part` once, with how long it failed.
    private func storeRecovered(_ part: String) {
        guard let problem = health.succeeded(part) else { return }
        logger.notice(
            "store writable again",
            metadata: [
                "part": "\(part)", "failed_for_ms": "\(WallClock.nowMs() - problem.sinceMs)",
                "attempts": "\(problem.attempts)",
            ])
        if health.problems.isEmpty { metrics.storeWritable.record(1) }
    }

    /// - Parameter now: the pipeline clock's time (``IngestOptions/clock``), told to the store.
    /// - Parameter final: the last call (stopping): device health is written whatever its age.
    private func housekeeping(now: Int64, final: Bool = false) {
        metrics.ringDepth.record(rings.count)
        metrics.devicesDown.record(board.down(threshold: options.failureThreshold))
        do {
            // Device health in the store is for other processes (`esep query --health`, a daemon
            // that restarts); this one serves the live board. Written every healthFlushIntervalMs,
            // only the devices whose health changed. Times come from the wall clock (the board's).
            let wall = WallClock.nowMs()
            if final || wall >= nextHealthFlushMs {
                nextHealthFlushMs = wall + options.healthFlushIntervalMs
                let changed = board.snapshot().filter { writtenHealth[$0.device] != $0 }
                try writer.writeHealth(changed, nowMs: wall)
                for h in changed { writtenHealth[h.device] = h }
            }
            let corrections = try writer.applyPendingReplacements(nowMs: now)
            if corrections > 0 {
                logger.notice("meter replacement applied: closed intervals corrected", metadata: ["corrections": "\(corrections)"])
            }
            let sealed = try writer.seal(nowMs: now)
            if sealed > 0 {
                metrics.chunksSealed.increment(by: Int64(sealed))
                logger.debug("sealed chunks", metadata: ["chunks": "\(sealed)"])
            }
            storeRecovered("housekeeping")
        } catch {
            // Logged once when it starts failing and once when it recovers, not every second.
            storeFailed("housekeeping", error, samples: 0, retryInMs: options.housekeepingIntervalMs)
        }
    }
}

/// Running totals of the pipeline.
public struct IngestStatistics: Sendable, Hashable {
    public var batches: Int64 = 0
    public var stored: Int64 = 0
    /// Failed attempts to commit a batch (each retried until it commits).
    public var writeErrors: Int64 = 0
    /// Samples lost, every cause (``droppedRingFull`` + ``droppedStoreUnwritable``).
    public var dropped: Int64 = 0
    /// Samples a poller could not hand over because its ring was full (the writer was behind,
    /// or held a batch the store refused for longer than the rings could hold).
    public var droppedRingFull: Int64 = 0
    /// Samples still held when the daemon stopped with a store that refused writes.
    public var droppedStoreUnwritable: Int64 = 0
    /// Samples the pollers read (stored + dropped + still queued).
    public var polled: Int64 = 0
    /// Modbus requests the pollers made (answered or not).
    public var requests: Int64 = 0
    /// Times the pollers' timers fired (of the connections polling now).
    public var pollerWakeups: Int64 = 0
    /// Turns of the writer's loop: each after a wake-up (samples handed over, a commit or
    /// housekeeping due), or one after another while the rings hold more.
    public var writerTurns: Int64 = 0
}
