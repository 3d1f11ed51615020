import Metering
import SiteConfig
import Store

/// Follows the SAON controllers' events as the writer stores them and turns trips into
/// verdicts and restorations (``ShedVerifier``), recorded in the store.
///
/// Driven by ``step(nowMs:)`` (the daemon calls it a few times a second; tests call it with
/// their own clock). On a trip it asks, through `boost`, for the stage's meters to be polled
/// every `verify_poll_interval_ms` until the window ends, so their power is measured in it.
/// Where it got to is kept in the store's meta (`saon.cursor`): after a restart, a trip whose
/// verdict was not recorded yet is judged from what was stored.
///
/// Not thread-safe: one caller at a time.
public final class SAONWatcher {
    /// What a step saw or did, for the caller to log and count.
    public enum Happening: Sendable {
        /// A stage tripped; its meters are being polled fast.
        case trip(StateEvent, meters: [String])
        /// A trip was judged and recorded.
        case verdict(ShedRecord)
        /// A shed ended and was recorded.
        case restoration(ShedRestoration, ShedRecord)
        /// A controller stopped answering (`new == 0`) or answers again (`new == 1`).
        case link(StateEvent)
        /// Any other change of a SAON signal.
        case signal(StateEvent)
    }

    public typealias Boost = @Sendable (_ devices: Set<String>, _ intervalMs: Int, _ untilMs: Int64) -> Void

    public var site: SiteConfiguration {
        didSet { verifier = ShedVerifier(site: site, store: store) }
    }
    public let store: SampleStore
    private let boost: Boost
    private var verifier: ShedVerifier
    private var cursor: Int64
    private var persistedCursor: Int64?
    private var lastPersistMs: Int64 = .min
    /// Trips seen and not judged yet, with the controller's settings when they happened (a
    /// reload that removes the controller does not lose them).
    private var pendingTrips: [(event: StateEvent, saon: SAONConfig, dueMs: Int64)] = []
    private var pendingRestorations: [(event: StateEvent, saon: SAONConfig, tripEventId: Int64, dueMs: Int64)] = []
    /// Sheds recorded and not restored yet.
    private var open: [ShedRecord]
    /// Breaker input states per controller, from the events seen (the store's for the others).
    private var breakers: [String: [Int: Int]] = [:]
    static let cursorKey = "saon.cursor"

    /// - Parameter resume: start after this event id; nil: where the last run stopped (the
    ///   store's `saon.cursor`), or after the newest event on a first run (kept at once, so a
    ///   trip seen before a restart is judged after it).
    public init(site: SiteConfiguration, store: SampleStore, resume: Int64? = nil, boost: @escaping Boost) throws(StoreError) {
        self.site = site
        self.store = store
        self.boost = boost
        verifier = ShedVerifier(site: site, store: store)
        var start = resume
        var stored: Int64? = nil
        if let text = try store.meta(Self.cursorKey) { stored = Int64(text) }
        if start == nil { start = stored }
        if start == nil { start = try store.lastEventId() }
        cursor = start ?? 0
        persistedCursor = stored
        open = try store.openSheds()
        if stored != cursor { try store.setMeta(Self.cursorKey, String(cursor)) }
        persistedCursor = cursor
    }

    /// Reads the events stored since the last step; judges the trips and restorations now due.
    /// A store error leaves the watcher where it was: the same events and judgements are taken
    /// up again at the next step, each recorded once.
    public func step(nowMs: Int64) throws(StoreError) -> [Happening] {
        var out: [Happening] = []
        while true {
            let events = try store.events(afterId: cursor, limit: 500)
            for e in events {
                try take(e, nowMs: nowMs, into: &out)
                cursor = e.id
            }
            if events.count < 500 { break }
        }
        // Trips first: a restoration is recorded against its trip's record. Each one leaves its
        // list only once recorded.
        while let i = pendingTrips.firstIndex(where: { $0.dueMs <= nowMs }) {
            let p = pendingTrips[i]
            var record = try verifier.verify(p.event, saon: p.saon, nowMs: nowMs)
            record.id = try store.recordShed(record)
            pendingTrips.remove(at: i)
            if !open.contains(where: { $0.eventId == record.eventId }) { open.append(record) }
            out.append(.verdict(record))
        }
        var index = 0
        while index < pendingRestorations.count {
            let p = pendingRestorations[index]
            guard p.dueMs <= nowMs else {
                index += 1
                continue
            }
            guard let at = open.firstIndex(where: { $0.eventId == p.tripEventId }) else {
                // Its trip is not judged yet (a window longer than the watch): wait for it.
                if pendingTrips.contains(where: { $0.event.id == p.tripEventId }) {
                    index += 1
                } else {
                    pendingRestorations.remove(at: index)
                }
                continue
            }
            let shed = open[at]
            var r = try verifier.restoration(of: shed, by: p.event, saon: p.saon, nowMs: nowMs)
            r.id = try store.recordRestoration(r)
            open.remove(at: at)
            pendingRestorations.remove(at: index)
            out.append(.restoration(r, shed))
        }
        try persist(nowMs: nowMs)
        return out
    }

    /// Trips and restorations seen but not judged yet.
    public var pending: Int { pendingTrips.count + pendingRestorations.count }

    private func controller(_ id: String) -> SAONConfig? { site.saon.first { $0.id == id } }

    /// The states of a controller's breakers as of `t`: those seen, the store's for the others.
    private func breakerStates(_ saon: SAONConfig, _ inputs: [Int], atMs t: Int64) throws(StoreError) -> [Int: Int] {
        var states = breakers[saon.id] ?? [:]
        for b in inputs where states[b] == nil {
            let signal = ChannelName(.saonFeederOpen, index: b).description
            states[b] = try store.state(device: saon.id, signal: signal, atMs: t) ?? 0
        }
        return states
    }

    private func take(_ e: StateEvent, nowMs: Int64, into out: inout [Happening]) throws(StoreError) {
        guard let saon = controller(e.device) else { return }
        if let b = ShedVerifier.breaker(ofSignal: e.signal) { breakers[e.device, default: [:]][b] = e.new }
        if e.signal == ChannelName(.saonLink).description {
            out.append(.link(e))
            return
        }
        out.append(.signal(e))
        if ShedVerifier.isTrip(e) {
            // Judged already, or waiting (events read again after a restart or a failed step).
            if pendingTrips.contains(where: { $0.event.id == e.id }) || open.contains(where: { $0.eventId == e.id }) { return }
            if try store.shedId(event: e.id) != nil { return }
            let meters = verifier.meters(saon: saon, stage: ShedVerifier.stage(ofSignal: e.signal) ?? 0).map(\.id)
            let due = verifier.dueMs(e, saon: saon)
            if !meters.isEmpty { boost(Set(meters), saon.verifyPollIntervalMs, e.timeMs + Int64(saon.shedWindowMs) + 500) }
            pendingTrips.append((e, saon, due))
            out.append(.trip(e, meters: meters))
            return
        }
        guard e.old == 1, e.new == 0 else { return }
        // A restoration: of a recorded shed still open, or of a trip not judged yet.
        let candidates =
            open.filter { $0.saon == e.device }.map { ($0.eventId, $0.stage) }
            + pendingTrips.filter { $0.event.device == e.device }.map {
                ($0.event.id, ShedVerifier.stage(ofSignal: $0.event.signal) ?? 0)
            }
        for (tripId, stage) in candidates where !pendingRestorations.contains(where: { $0.tripEventId == tripId }) {
            let inputs = (saon.stage(stage)?.feeders ?? []).flatMap(saon.breakerInputs(of:))
            let states = try breakerStates(saon, inputs, atMs: e.timeMs)
            guard ShedVerifier.ends(stage: stage, saon: saon, event: e, breakerStates: states) else { continue }
            let meters = verifier.meters(saon: saon, stage: stage).map(\.id)
            if !meters.isEmpty {
                boost(Set(meters), saon.verifyPollIntervalMs, e.timeMs + ShedVerifier.powerBackWatchMs)
            }
            pendingRestorations.append((e, saon, tripId, e.timeMs + ShedVerifier.powerBackWatchMs + ShedVerifier.settleMs))
        }
    }

    /// Keeps the cursor in the store (at most once a second), short of the oldest event still
    /// waiting, so a restart reads that one again.
    private func persist(nowMs: Int64) throws(StoreError) {
        var safe = cursor
        for p in pendingTrips { safe = min(safe, p.event.id - 1) }
        for p in pendingRestorations { safe = min(safe, p.event.id - 1) }
        guard safe != persistedCursor, lastPersistMs == .min || nowMs - lastPersistMs >= 1000 else { return }
        try store.setMeta(Self.cursorKey, String(safe))
        persistedCursor = safe
        lastPersistMs = nowMs
    }
}
