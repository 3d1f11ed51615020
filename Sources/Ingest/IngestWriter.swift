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
    private let finished = DispatchSemaphore(value: 0)
    private let counters = Mutex(IngestStatistics())
    private var thread: Thread?
    private var failure: StoreError?

    init(
        writer: SampleWriter, rings: SampleRingSet, board: HealthBoard, options: IngestOptions, metrics: IngestMetrics,
        logger: Logger
    ) {
        self.writer = writer
        self.rings = rings
        self.board = board
        self.options = options
        self.metrics = metrics
        self.logger = logger
    }

    /// Statistics of the writer side.
    var statistics: IngestStatistics { counters.withLock { $0 } }

    func start() {
        let t = Thread { [self] in self.loop() }
        t.name = "esep.writer"
        t.qualityOfService = .userInitiated
        thread = t
        t.start()
    }

    /// Seals every open window (after ``stop()``).
    func sealAll() throws(StoreError) {
        precondition(thread == nil, "sealAll() while the writer thread runs")
        try writer.seal(nowMs: options.clock.nowMs(), force: true)
    }

    /// Drains every ring, commits, flushes health and returns.
    func stop() {
        guard thread != nil else { return }
        stopping.store(true, ordering: .releasing)
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
        while true {
            let stop = stopping.load(ordering: .acquiring)
            let got = rings.drain(into: UnsafeMutableBufferPointer(rebasing: batch[n...]))
            if got > 0, n == 0 { batchStarted = WallClock.nowMs() }
            n += got
            // Commit when the batch is full, when it has waited commitInterval, or when stopping;
            // fewer, larger transactions cost far less than many small ones.
            if n > 0, n == batch.count || stop || WallClock.nowMs() - batchStarted >= options.commitIntervalMs {
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
                } catch {
                    // The batch is lost to the store but energy is not: the next cumulative reading carries it.
                    logger.error("store append failed", metadata: ["error": "\(error)", "samples": "\(n)"])
                    counters.withLock { $0.writeErrors += Int64(n) }
                }
                n = 0
            } else if stop, n == 0 {
                break
            } else if got == 0 {
                usleep(5_000)
            }
            let now = WallClock.nowMs()
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
                        "dropped_total": "\(dropped)", "ring_depth": "\(rings.count)",
                        "devices_down": "\(board.down(threshold: options.failureThreshold))",
                        "chunks_sealed": "\(writer.sealedChunks)",
                    ])
                last = s
            }
        }
        housekeeping(now: options.clock.nowMs())
        do {
            try writer.flushLatest()
        } catch {
            logger.error("store: writing latest values failed", metadata: ["error": "\(error)"])
        }
    }

    /// - Parameter now: the pipeline clock's time (``IngestOptions/clock``), told to the store.
    private func housekeeping(now: Int64) {
        metrics.ringDepth.record(rings.count)
        metrics.devicesDown.record(board.down(threshold: options.failureThreshold))
        do {
            // Health times come from the wall clock (the board's), like the polls they describe.
            try writer.writeHealth(board.snapshot(), nowMs: WallClock.nowMs())
            let corrections = try writer.applyPendingReplacements(nowMs: now)
            if corrections > 0 {
                logger.notice("meter replacement applied: closed intervals corrected", metadata: ["corrections": "\(corrections)"])
            }
            let sealed = try writer.seal(nowMs: now)
            if sealed > 0 {
                metrics.chunksSealed.increment(by: Int64(sealed))
                logger.debug("sealed chunks", metadata: ["chunks": "\(sealed)"])
            }
        } catch {
            logger.error("store housekeeping failed", metadata: ["error": "\(error)"])
        }
    }
}

/// Running totals of the pipeline.
public struct IngestStatistics: Sendable, Hashable {
    public var batches: Int64 = 0
    public var stored: Int64 = 0
    public var writeErrors: Int64 = 0
    public var dropped: Int64 = 0
    /// Samples the pollers read (stored + dropped + still queued).
    public var polled: Int64 = 0
}
