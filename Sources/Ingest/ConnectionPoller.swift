import CoreMetrics
import Dispatch
import Foundation
import Logging
import Metering
import Modbus
import Store
import Synchronization

/// Polls the devices behind one connection to a Modbus endpoint.
///
/// Threading: owns one ``ModbusTCPClient`` and one serial `DispatchQueue`; the client, every
/// device's state and the producer side of ``ring`` are used only on that queue, so at most
/// one request is in flight on the connection.
///
/// Scheduling: every device has its own poll interval and next due time; one
/// `DispatchSourceTimer` on the queue is armed for the earliest due device and, when it
/// fires, polls the devices that are due, earliest first. (A timer per device cost more in
/// timer bookkeeping than the Modbus request itself at high rates.) A poll that starts a whole
/// interval late has the missed cycles counted as overruns and skipped, never queued up; a
/// device in backoff is due again when its backoff ends.
final class ConnectionPoller: @unchecked Sendable {
    let endpoint: EndpointSpec
    let label: String
    let queue: DispatchQueue
    let client: ModbusTCPClient
    let ring: SPSCRing
    /// Queue-confined; a reload changes it on the queue (``reconfigure(remove:add:)``).
    private var devices: [DevicePollState]
    private let rings: SampleRingSet
    private let board: HealthBoard
    private let metrics: IngestMetrics
    private let options: IngestOptions
    private let logger: Logger
    private var timer: (any DispatchSourceTimer)?
    private var stopped = false
    private var lastConnectAttemptMs: Int64 = .min
    private var rng = SystemRandomNumberGenerator()
    /// Samples handed to the ring (or dropped) since start. Queue-confined.
    private var produced: Int64 = 0
    private var requests: Int64 = 0
    private var firings: Int64 = 0
    private var droppedSinceLog = 0
    private var lastDropLogMs: Int64 = 0
    /// While a poll runs: the instant (wall ms) by which it must have ended, its timeouts all spent;
    /// 0 between polls. Read from other threads to tell a stuck poller (``isStuck(nowMs:)``).
    let pollDeadlineMs = Atomic<Int64>(0)
    /// The stuck-poll bound's parts, from the endpoint's timeouts (ms): connect plus 5 s of slack,
    /// and one read (response and byte timeouts).
    private let connectBudgetMs: Int64
    private let readBudgetMs: Int64
    /// What `esep_gateway_connected` says now (queue-confined; recorded only when it changes).
    private var reportedConnected: Bool? = nil
    /// The timer's leeway: the smallest coalescing window of its devices.
    /// Kept with the device list (``start()``, ``reconfigure(remove:add:)``), not computed per firing.
    private var leewayMs: Int64 = 1

    /// The timer's leeway for the devices polled now (queue-confined).
    private func updateLeeway() {
        leewayMs = max(1, devices.reduce(Int64.max) { min($0, $1.coalesceMs) })
    }
    /// Samples per second the devices it started with produce.
    let samplesPerSecond: Double
    /// `esep_gateway_connected{gateway,connection}`: 1 while this connection is open.
    private let connectedGauge: Gauge

    init(
        endpoint: EndpointSpec, index: Int, devices: [DevicePollState], rings: SampleRingSet, board: HealthBoard,
        metrics: IngestMetrics, options: IngestOptions, logger: Logger
    ) {
        self.endpoint = endpoint
        label = "\(endpoint.gateway)#\(index)"
        queue = DispatchQueue(label: "esep.poller.\(endpoint.gateway).\(index)", qos: .userInitiated)
        client = ModbusTCPClient(host: endpoint.host, port: endpoint.port, timeouts: endpoint.timeouts)
        ring = rings.makeProducer()
        let ms = { (x: Duration) in x.components.seconds * 1000 + x.components.attoseconds / 1_000_000_000_000_000 }
        connectBudgetMs = ms(endpoint.timeouts.connect) + 5_000
        readBudgetMs = ms(endpoint.timeouts.response) + ms(endpoint.timeouts.byte)
        connectedGauge = Gauge(label: "esep_gateway_connected", dimensions: [("gateway", endpoint.gateway), ("connection", label)])
        self.rings = rings
        self.devices = devices
        samplesPerSecond = devices.reduce(0.0) { sum, st in
            sum + Double(st.reads.reduce(0) { $0 + $1.fields.count }) * 1000 / Double(max(1, st.spec.pollIntervalMs))
        }
        self.board = board
        self.metrics = metrics
        self.options = options
        var l = logger
        l[metadataKey: "endpoint"] = "\(endpoint)"
        self.logger = l
    }

    /// Starts polling; first polls are staggered across each device's interval so requests spread out.
    func start() {
        queue.sync {
            updateLeeway()
            let now = WallClock.nowMs()
            // Spread over the interval in slots of the coalescing window: devices sharing a slot
            // are polled in one timer firing.
            for (i, device) in devices.enumerated() {
                let interval = Int64(device.spec.pollIntervalMs)
                let offset = devices.count > 1 ? interval * Int64(i) / Int64(devices.count) : 0
                let slot = max(1, device.coalesceMs)
                device.nextDueMs = now + offset / slot * slot
            }
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.setEventHandler { [unowned self] in self.tick() }
            timer = t
            t.schedule(deadline: .now())
            t.resume()
        }
    }

    /// Polls the devices that are due (at most a bounded number per call, so `stop()` is never
    /// kept waiting) and re-arms the timer for the next one.
    ///
    /// One firing polls every device due within its coalescing window (``IngestOptions/pollCoalesceMs``,
    /// at most a tenth of its interval), so devices due close together cost one wake-up, not one
    /// each; the timer is armed with that window as leeway. The writer is told once per firing.
    private func tick() {
        guard !stopped, !devices.isEmpty else { return }
        firings &+= 1
        var budget = 64
        var next = Int64.max
        let before = produced
        var now = WallClock.nowMs()
        while budget > 0 {
            var due: DevicePollState? = nil
            next = Int64.max
            for d in devices where d.nextDueMs < next {
                next = d.nextDueMs
                due = d
            }
            guard let d = due, next - d.coalesceMs <= now else { break }
            poll(d, now: now)
            budget -= 1
            now = WallClock.nowMs()
        }
        if produced != before { rings.producerDone() }
        if budget == 0 { next = now }
        let delayMs = max(0, next - now)
        timer?.schedule(
            deadline: .now() + .milliseconds(Int(min(delayMs, 3_600_000))), leeway: .milliseconds(Int(leewayMs)))
    }

    /// A reload: takes out the devices in `remove` (after a poll in progress ends) and puts in
    /// `add`. A device in both (its settings changed) keeps its place in the schedule; a new one
    /// is staggered over its interval from now. Polls of the other devices go on as they were.
    func reconfigure(remove: Set<String>, add: [DevicePollState]) {
        queue.sync {
            var dueOf: [String: Int64] = [:]
            for d in devices where remove.contains(d.spec.id) { dueOf[d.spec.id] = d.nextDueMs }
            devices.removeAll { remove.contains($0.spec.id) }
            let now = WallClock.nowMs()
            for (i, d) in add.enumerated() {
                d.nextDueMs = dueOf[d.spec.id] ?? now + Int64(add.count > 1 ? d.spec.pollIntervalMs * i / add.count : 0)
                devices.append(d)
            }
            updateLeeway()
            // New devices may be due before the timer's next firing.
            if !stopped, !add.isEmpty { timer?.schedule(deadline: .now(), leeway: .milliseconds(1)) }
        }
    }

    /// Polls the devices among `ids` every `intervalMs` until `untilMs` (wall ms), the first
    /// poll now: the meters of feeders a SAON stage just tripped, so their power is measured
    /// within the shed window. Then each goes back to its own interval.
    func boost(_ ids: Set<String>, intervalMs: Int, untilMs: Int64) {
        queue.async { [self] in
            guard !stopped else { return }
            let now = WallClock.nowMs()
            var any = false
            for d in devices where ids.contains(d.spec.id) {
                d.boostUntilMs = max(d.boostUntilMs, untilMs)
                d.boostIntervalMs = Int64(max(1, intervalMs))
                if d.nextDueMs > now { d.nextDueMs = now }
                any = true
            }
            if any { timer?.schedule(deadline: .now(), leeway: .milliseconds(1)) }
        }
    }

    /// The ids of the devices this connection polls.
    var deviceIds: [String] { queue.sync { devices.map(\.spec.id) } }

    /// Samples this poller has read so far (stored, queued or dropped).
    var samplesProduced: Int64 { queue.sync { produced } }
    /// Modbus requests this poller has made so far (answered or not).
    var requestsMade: Int64 { queue.sync { requests } }
    /// Times its timer fired (each a wake-up of a thread).
    var timerFirings: Int64 { queue.sync { firings } }

    /// Stops the timers and waits for a poll in progress to finish, then closes the connection.
    func stop() {
        queue.sync {
            stopped = true
            timer?.cancel()
            timer = nil
            client.close()
        }
    }

    /// Whether a poll has run past the time its timeouts allow (a thread stuck in a call).
    func isStuck(nowMs: Int64) -> Bool {
        let deadline = pollDeadlineMs.load(ordering: .relaxed)
        return deadline != 0 && nowMs > deadline
    }

    private func poll(_ d: DevicePollState, now start: Int64) {
        let interval =
            start < d.boostUntilMs ? min(d.boostIntervalMs, Int64(d.spec.pollIntervalMs)) : Int64(d.spec.pollIntervalMs)
        // A connect, then every read tried twice, each within its timeouts; 5 s of slack.
        pollDeadlineMs.store(start + connectBudgetMs + Int64(d.reads.count * 2) * readBudgetMs, ordering: .relaxed)
        defer {
            pollDeadlineMs.store(0, ordering: .relaxed)
            let connected = client.isConnected
            if connected != reportedConnected {
                reportedConnected = connected
                connectedGauge.record(connected ? 1 : 0)
            }
        }
        // The next cycle; cycles that this one's lateness covered are counted and skipped.
        d.nextDueMs += interval
        if d.nextDueMs <= start {
            let missed = (start - d.nextDueMs) / interval + 1
            metrics.overruns.increment(by: missed)
            d.overruns += missed
            d.nextDueMs += missed * interval
        }
        // A back-off that ends within the coalescing window has ended (the poll is early by design).
        if d.backoffUntilMs > start + d.coalesceMs {
            d.nextDueMs = max(d.nextDueMs, d.backoffUntilMs)
            return
        }
        if !client.isConnected {
            if lastConnectAttemptMs != .min, start - lastConnectAttemptMs < endpoint.reconnectMinIntervalMs {
                metrics.pollSkipped.increment()
                return
            }
            lastConnectAttemptMs = start
            do {
                try client.connect()
            } catch {
                failure(d, error, at: start)
                return
            }
        }
        let began = DispatchTime.now().uptimeNanoseconds
        var i = 0
        // A failed read is tried once more in the same poll before the poll counts as failed:
        // a device that refuses one request in three still delivers nine reads in ten.
        var retried = false
        var delivered = 0
        var lastException: ModbusError? = nil
        while i < d.reads.count {
            let read = d.reads[i]
            requests &+= 1
            do {
                var t: Int64 = 0
                let ids = d.channelIds[i]
                try read.execute(on: client, unit: d.spec.unitId) { index, _, value in
                    if index == 0 { t = options.clock.nowMs() }
                    produced &+= 1
                    if !ring.push(Sample(channel: ids[index], timeMs: t, value: value)) {
                        rings.recordDrop()
                        metrics.dropped.increment()
                        d.droppedSinceLog += 1
                    }
                }
                i += 1
                retried = false
                delivered += 1
            } catch where error.code == .illegalDataAddress || error.code == .illegalDataValue {
                retried = false
                metrics.planSplits.increment()
                if let (a, b) = read.split() {
                    d.replace(at: i, with: [a, b])
                    logger.notice(
                        "plan split: device refused a read; retrying smaller",
                        metadata: ["device": "\(d.spec.id)", "refused": "\(read)", "error": "\(error.code)"])
                } else {
                    d.replace(at: i, with: [])
                    logger.warning(
                        "plan: device refuses a register; dropped from its plan",
                        metadata: [
                            "device": "\(d.spec.id)", "channel": "\(read.fields[0].channel)",
                            "register": "\(read.fields[0].documentedRegister)", "error": "\(error.code)",
                        ])
                }
            } catch {
                if !retried {
                    retried = true
                    metrics.readRetries.increment()
                    continue
                }
                // The device answered twice with an exception: it is alive, so its other reads
                // are still made; the poll fails only when none of them delivers. A link error
                // (timeout, reset) ends the poll at once: the rest would wait out the same timeout.
                if error.isException, i + 1 < d.reads.count || delivered > 0 {
                    lastException = error
                    metrics.readsFailed.increment()
                    i += 1
                    retried = false
                    continue
                }
                failure(d, error, at: WallClock.nowMs())
                return
            }
        }
        if delivered == 0, let lastException {
            failure(d, lastException, at: WallClock.nowMs())
            return
        }
        if d.droppedSinceLog > 0 {
            droppedSinceLog += d.droppedSinceLog
            d.droppedSinceLog = 0
            let now = WallClock.nowMs()
            if now - lastDropLogMs >= 10_000 {
                // Energy is still exact (counters are cumulative); this says which instants are missing.
                logger.error(
                    "ring full: samples dropped (writer is not keeping up)",
                    metadata: ["dropped": "\(droppedSinceLog)", "last_device": "\(d.spec.id)"])
                droppedSinceLog = 0
                lastDropLogMs = now
            }
        }
        let tookNs = Int64(DispatchTime.now().uptimeNanoseconds - began)
        metrics.pollDuration.recordNanoseconds(tookNs)
        metrics.pollsOK.increment()
        let end = WallClock.nowMs()
        if d.linkUp != true { pushLink(d, up: true, atMs: options.clock.nowMs()) }
        if d.consecutiveFailures >= options.failureThreshold {
            logger.info("device up", metadata: ["device": "\(d.spec.id)", "after_failures": "\(d.consecutiveFailures)"])
        }
        d.consecutiveFailures = 0
        d.backoffUntilMs = 0
        d.lastBackoffBaseMs = 0
        board.update(slot: d.healthSlot) { h in
            h.lastSuccessMs = end
            h.lastPollDurationMs = Double(tookNs) / 1_000_000
            h.consecutiveFailures = 0
            h.backoffUntilMs = nil
            h.polls += 1
        }
    }

    /// A failed poll (after its retry). From ``IngestOptions/failureThreshold`` consecutive
    /// failed polls on, the device is down and waits before its next poll: twice its poll
    /// interval at first, doubling with each further failed poll up to
    /// ``IngestOptions/backoffMaxMs``, each wait jittered by ±10 % so devices behind one gateway
    /// do not retry in step. The log says when it goes down and each time the wait grows.
    private func failure(_ d: DevicePollState, _ error: ModbusError, at now: Int64) {
        metrics.pollsFailed.increment()
        metrics.errors(error.code.description).increment()
        metrics.gatewayErrors(endpoint.gateway, error.code.description).increment()
        d.consecutiveFailures += 1
        if d.consecutiveFailures == 1 { d.firstFailureMs = options.clock.nowMs() }
        // A SAON controller that stops answering is a device event (stamped at its first failed
        // poll), never a change of the signals it last reported.
        if d.consecutiveFailures >= options.failureThreshold, d.linkUp != false {
            pushLink(d, up: false, atMs: d.firstFailureMs)
        }
        var backoff: Int64? = nil
        if d.consecutiveFailures >= options.failureThreshold {
            let base = Self.backoffBaseMs(
                failures: d.consecutiveFailures, threshold: options.failureThreshold,
                pollIntervalMs: Int64(d.spec.pollIntervalMs), maxMs: options.backoffMaxMs)
            let jitter = max(1, base / 10)
            let wait = min(options.backoffMaxMs, max(1, base + Int64.random(in: -jitter...jitter, using: &rng)))
            backoff = wait
            d.backoffUntilMs = now + wait
            d.nextDueMs = d.backoffUntilMs
            if d.consecutiveFailures == options.failureThreshold {
                logger.warning(
                    "device down",
                    metadata: [
                        "device": "\(d.spec.id)", "reason": "\(error)", "failed_polls": "\(d.consecutiveFailures)",
                        "backoff_ms": "\(wait)",
                    ])
            } else if base > d.lastBackoffBaseMs {
                logger.info(
                    "device still down; waiting longer",
                    metadata: [
                        "device": "\(d.spec.id)", "reason": "\(error.code)", "failed_polls": "\(d.consecutiveFailures)",
                        "backoff_ms": "\(wait)",
                    ])
            } else {
                logger.debug("device still down", metadata: ["device": "\(d.spec.id)", "backoff_ms": "\(wait)"])
            }
            d.lastBackoffBaseMs = base
        }
        let until = backoff.map { now + $0 }
        board.update(slot: d.healthSlot) { h in
            h.lastErrorMs = now
            h.lastError = error.description
            h.consecutiveFailures = d.consecutiveFailures
            h.backoffUntilMs = until
            h.polls += 1
            h.failures += 1
        }
    }

    /// Writes a SAON controller's link state (``Metering/ChannelKind/saonLink``) when it changes.
    private func pushLink(_ d: DevicePollState, up: Bool, atMs t: Int64) {
        guard let channel = d.linkChannel else { return }
        d.linkUp = up
        produced &+= 1
        if !ring.push(Sample(channel: channel, timeMs: t, value: .number(up ? 1 : 0))) {
            rings.recordDrop()
            metrics.dropped.increment()
            d.linkUp = nil  // tried again at the next poll
        }
    }

    /// The wait before the next poll of a device after `failures` consecutive failed polls
    /// (≥ `threshold`): `2^(failures − threshold + 1)` poll intervals, at most `maxMs`.
    static func backoffBaseMs(failures: Int, threshold: Int, pollIntervalMs: Int64, maxMs: Int64) -> Int64 {
        let doublings = min(40, max(0, failures - threshold) + 1)
        let (wait, overflow) = pollIntervalMs.multipliedReportingOverflow(by: Int64(1) << Int64(doublings))
        return overflow ? maxMs : min(maxMs, wait)
    }
}

/// A device's polling state. Confined to its connection's queue.
final class DevicePollState: @unchecked Sendable {
    let spec: IngestDevice
    private(set) var reads: [PlannedRead]
    /// Channel ids aligned with `reads[i].fields`.
    private(set) var channelIds: [[UInt32]]
    private let channelOf: [ChannelName: UInt32]
    var consecutiveFailures = 0
    var backoffUntilMs: Int64 = 0
    /// The un-jittered wait of the last back-off (0: not backing off), to log only when it grows.
    var lastBackoffBaseMs: Int64 = 0
    var nextDueMs: Int64 = 0
    var overruns: Int64 = 0
    var droppedSinceLog = 0
    /// A SAON controller's link channel, and the state last written to it (nil: none yet).
    let linkChannel: UInt32?
    var linkUp: Bool? = nil
    /// Polled every ``boostIntervalMs`` until this wall instant (``ConnectionPoller/boost(_:intervalMs:untilMs:)``).
    var boostUntilMs: Int64 = 0
    var boostIntervalMs: Int64 = 0
    /// When the current run of failed polls began.
    var firstFailureMs: Int64 = 0

    /// The device's slot on the health board.
    let healthSlot: Int
    /// How early it may be polled to share a timer firing with others: the pipeline's coalescing
    /// window, at most a tenth of its interval.
    let coalesceMs: Int64

    init(spec: IngestDevice, reads: [PlannedRead], channelOf: [ChannelName: UInt32], healthSlot: Int, coalesceMs: Int64 = 0) {
        self.spec = spec
        self.coalesceMs = max(0, min(coalesceMs, Int64(spec.pollIntervalMs) / 10))
        self.healthSlot = healthSlot
        self.reads = reads
        self.channelOf = channelOf
        channelIds = reads.map { $0.fields.map { channelOf[$0.channel] ?? 0 } }
        linkChannel = spec.isSAON ? channelOf[ChannelName(.saonLink)] : nil
    }

    /// Replaces one read of the plan (after a split, or to drop a refused field).
    func replace(at index: Int, with new: [PlannedRead]) {
        reads.replaceSubrange(index...index, with: new)
        channelIds.replaceSubrange(index...index, with: new.map { $0.fields.map { channelOf[$0.channel] ?? 0 } })
    }
}
