import CoreMetrics
import Dispatch
import Foundation
import Logging
import Metering
import Modbus
import Store

/// Polls the devices behind one connection to a Modbus endpoint.
///
/// Threading: owns one ``ModbusTCPClient`` and one serial `DispatchQueue`; the client, every
/// device's state and the producer side of ``ring`` are used only on that queue. One
/// `DispatchSourceTimer` per device, targeting the queue, drives the device's poll interval;
/// since the queue is serial, at most one request is in flight on the connection. A device
/// whose poll overruns its interval has the overrun counted; timer fires coalesce rather
/// than queue up.
final class ConnectionPoller: @unchecked Sendable {
    let endpoint: EndpointSpec
    let label: String
    let queue: DispatchQueue
    let client: ModbusTCPClient
    let ring: SPSCRing
    private let devices: [DevicePollState]
    private let rings: SampleRingSet
    private let board: HealthBoard
    private let metrics: IngestMetrics
    private let options: IngestOptions
    private let logger: Logger
    private var timers: [any DispatchSourceTimer] = []
    private var lastConnectAttemptMs: Int64 = .min
    private var rng = SystemRandomNumberGenerator()
    /// Samples handed to the ring (or dropped) since start. Queue-confined.
    private var produced: Int64 = 0

    init(
        endpoint: EndpointSpec, index: Int, devices: [DevicePollState], rings: SampleRingSet, board: HealthBoard,
        metrics: IngestMetrics, options: IngestOptions, logger: Logger
    ) {
        self.endpoint = endpoint
        label = "\(endpoint.gateway)#\(index)"
        queue = DispatchQueue(label: "esep.poller.\(endpoint.gateway).\(index)", qos: .userInitiated)
        client = ModbusTCPClient(host: endpoint.host, port: endpoint.port, timeouts: endpoint.timeouts)
        ring = rings.makeProducer()
        self.rings = rings
        self.devices = devices
        self.board = board
        self.metrics = metrics
        self.options = options
        var l = logger
        l[metadataKey: "endpoint"] = "\(endpoint)"
        self.logger = l
    }

    /// Starts every device's timer, staggered across its interval so requests spread out.
    func start() {
        queue.sync {
            let now = DispatchTime.now()
            for (i, device) in devices.enumerated() {
                let interval = device.spec.pollIntervalMs
                let offsetMs = devices.count > 1 ? interval * i / devices.count : 0
                let timer = DispatchSource.makeTimerSource(queue: queue)
                timer.schedule(
                    deadline: now + .milliseconds(offsetMs), repeating: .milliseconds(interval),
                    leeway: .milliseconds(max(1, min(50, interval / 20))))
                device.nextDueMs = wallClockMs() + Int64(offsetMs)
                timer.setEventHandler { [unowned self, device] in self.poll(device) }
                timers.append(timer)
                timer.resume()
            }
        }
    }

    /// Samples this poller has read so far (stored, queued or dropped).
    var samplesProduced: Int64 { queue.sync { produced } }

    /// Stops the timers and waits for a poll in progress to finish, then closes the connection.
    func stop() {
        queue.sync {
            for t in timers { t.cancel() }
            timers.removeAll()
            client.close()
        }
    }

    private func poll(_ d: DevicePollState) {
        let interval = Int64(d.spec.pollIntervalMs)
        let start = wallClockMs()
        if start >= d.nextDueMs + interval {
            metrics.overruns.increment(by: Int64((start - d.nextDueMs) / interval))
            d.overruns += (start - d.nextDueMs) / interval
        }
        d.nextDueMs = max(d.nextDueMs + interval, start - interval / 2)
        if d.backoffUntilMs > start { return }
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
        while i < d.reads.count {
            let read = d.reads[i]
            do {
                var t: Int64 = 0
                let ids = d.channelIds[i]
                try read.execute(on: client, unit: d.spec.unitId) { index, _, value in
                    if index == 0 { t = wallClockMs() }
                    produced &+= 1
                    if !ring.push(Sample(channel: ids[index], timeMs: t, value: value)) {
                        rings.recordDrop()
                        metrics.dropped.increment()
                        d.droppedSinceLog += 1
                    }
                }
                i += 1
            } catch where error.code == .illegalDataAddress || error.code == .illegalDataValue {
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
                failure(d, error, at: wallClockMs())
                return
            }
        }
        if d.droppedSinceLog > 0 {
            logger.error("ring full: samples dropped", metadata: ["device": "\(d.spec.id)", "dropped": "\(d.droppedSinceLog)"])
            d.droppedSinceLog = 0
        }
        metrics.pollDuration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - began))
        metrics.pollsOK.increment()
        let end = wallClockMs()
        if d.consecutiveFailures >= options.failureThreshold {
            logger.info("device up", metadata: ["device": "\(d.spec.id)", "after_failures": "\(d.consecutiveFailures)"])
        }
        d.consecutiveFailures = 0
        d.backoffUntilMs = 0
        board.update(d.spec.id) { h in
            h.lastSuccessMs = end
            h.consecutiveFailures = 0
            h.backoffUntilMs = nil
            h.polls += 1
        }
    }

    private func failure(_ d: DevicePollState, _ error: ModbusError, at now: Int64) {
        metrics.pollsFailed.increment()
        metrics.errors(error.code.description).increment()
        d.consecutiveFailures += 1
        var backoff: Int64? = nil
        if d.consecutiveFailures >= options.failureThreshold {
            let exponent = min(20, d.consecutiveFailures - options.failureThreshold)
            let base = min(options.backoffMaxMs, Int64(d.spec.pollIntervalMs) << Int64(exponent))
            let jittered = base / 2 + Int64.random(in: 0...max(1, base / 2), using: &rng)
            backoff = min(options.backoffMaxMs, max(Int64(d.spec.pollIntervalMs), jittered))
            d.backoffUntilMs = now + backoff!
            if d.consecutiveFailures == options.failureThreshold {
                logger.warning(
                    "device down",
                    metadata: ["device": "\(d.spec.id)", "reason": "\(error)", "backoff_ms": "\(backoff!)"])
            } else {
                logger.debug("device still down", metadata: ["device": "\(d.spec.id)", "backoff_ms": "\(backoff!)"])
            }
        }
        let until = backoff.map { now + $0 }
        board.update(d.spec.id) { h in
            h.lastErrorMs = now
            h.lastError = error.description
            h.consecutiveFailures = d.consecutiveFailures
            h.backoffUntilMs = until
            h.polls += 1
            h.failures += 1
        }
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
    var nextDueMs: Int64 = 0
    var overruns: Int64 = 0
    var droppedSinceLog = 0

    init(spec: IngestDevice, reads: [PlannedRead], channelOf: [ChannelName: UInt32]) {
        self.spec = spec
        self.reads = reads
        self.channelOf = channelOf
        channelIds = reads.map { $0.fields.map { channelOf[$0.channel] ?? 0 } }
    }

    /// Replaces one read of the plan (after a split, or to drop a refused field).
    func replace(at index: Int, with new: [PlannedRead]) {
        reads.replaceSubrange(index...index, with: new)
        channelIds.replaceSubrange(index...index, with: new.map { $0.fields.map { channelOf[$0.channel] ?? 0 } })
    }
}

/// The wall clock in UTC epoch milliseconds.
@inline(__always)
func wallClockMs() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) &* 1000 &+ Int64(ts.tv_nsec) / 1_000_000
}
