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
    private var persistedCursor: Int64
    private var lastPersistMs: Int64 = .min
    private var pendingTrips: [(event: StateEvent, dueMs: Int64)] = []
    private var pendingRestorations: [(event: StateEvent, tripEventId: Int64, dueMs: Int64)] = []
    /// Sheds recorded and not restored yet.
    private var open: [ShedRecord]
    /// Breaker input states per controller, from the events seen.
    private var breakers: [String: [Int: Int]] = [:]
    static let cursorKey = "saon.cursor"

    /// - Parameter resume: start after this event id; nil: where the last run stopped (the
    ///   store's `saon.cursor`), or after the newest event on a first run.
    public init(site: SiteConfiguration, store: SampleStore, resume: Int64? = nil, boost: @escaping Boost) throws(StoreError) {
        self.site = site
        self.store = store
        self.boost = boost
        verifier = ShedVerifier(site: site, store: store)
        var start = resume
        if start == nil, let text = try store.meta(Self.cursorKey) { start = Int64(text) }
        if start == nil { start = try store.lastEventId() }
        cursor = start ?? 0
        persistedCursor = cursor
        open = try store.openSheds()
    }

    /// Reads the events stored since the last step; judges the trips and restorations now due.
    public func step(nowMs: Int64) throws(StoreError) -> [Happening] {
        var out: [Happening] = []
        while true {
            let events = try store.events(afterId: cursor, limit: 500)
            for e in events { try take(e, nowMs: nowMs, into: &out) }
            cursor = events.last?.id ?? cursor
            if events.count < 500 { break }
        }
        // Trips first: a restoration is recorded against its trip's record.
        var keep: [(event: StateEvent, dueMs: Int64)] = []
        for p in pendingTrips {
            guard p.dueMs <= nowMs else {
                keep.append(p)
                continue
            }
            guard let saon = controller(p.event.device) else { continue }
            var record = try verifier.verify(p.event, saon: saon, nowMs: nowMs)
            record.id = try store.recordShed(record)
            open.append(record)
            out.append(.verdict(record))
        }
        pendingTrips = keep
        var waiting: [(event: StateEvent, tripEventId: Int64, dueMs: Int64)] = []
        for p in pendingRestorations {
            guard p.dueMs <= nowMs else {
                waiting.append(p)
                continue
            }
            guard let index = open.firstIndex(where: { $0.eventId == p.tripEventId }), let saon = controller(p.event.device)
            else { continue }
            let shed = open.remove(at: index)
            var r = try verifier.restoration(of: shed, by: p.event, saon: saon, nowMs: nowMs)
            r.id = try store.recordRestoration(r)
            out.append(.restoration(r, shed))
        }
        pendingRestorations = waiting
        try persist(nowMs: nowMs)
        return out
    }

    /// Trips and restorations seen but not judged yet.
    public var pending: Int { pendingTrips.count + pendingRestorations.count }

    private func controller(_ id: String) -> SAONConfig? { site.saon.first { $0.id == id } }

    private func take(_ e: StateEvent, nowMs: Int64, into out: inout [Happening]) throws(StoreError) {
        guard let saon = controller(e.device) else { return }
        if let b = ShedVerifier.breaker(ofSignal: e.signal) { breakers[e.device, default: [:]][b] = e.new }
        if e.signal == ChannelName(.saonLink).description {
            out.append(.link(e))
            return
        }
        out.append(.signal(e))
        if ShedVerifier.isTrip(e) {
            // Judged already (events read again after a restart).
            if try store.shedId(event: e.id) != nil { return }
            let meters = verifier.meters(saon: saon, stage: ShedVerifier.stage(ofSignal: e.signal) ?? 0).map(\.id)
            let due = verifier.dueMs(e, saon: saon)
            if !meters.isEmpty { boost(Set(meters), saon.verifyPollIntervalMs, e.timeMs + Int64(saon.shedWindowMs) + 500) }
            pendingTrips.append((e, due))
            out.append(.trip(e, meters: meters))
            return
        }
        // A restoration: of a recorded shed still open, or of a trip not judged yet.
        let states = breakers[e.device] ?? [:]
        let candidates =
            open.filter { $0.saon == e.device }.map { ($0.eventId, $0.stage) }
            + pendingTrips.filter { $0.event.device == e.device }.map {
                ($0.event.id, ShedVerifier.stage(ofSignal: $0.event.signal) ?? 0)
            }
        for (tripId, stage) in candidates where !pendingRestorations.contains(where: { $0.tripEventId == tripId }) {
            let probe = ShedRecord(
                eventId: tripId, saon: e.device, stage: stage, timeMs: 0, uncertaintyMs: nil, test: false,
                verdict: .unverifiable, reason: "", windowMs: 0, beforeW: nil, afterW: nil, expectedW: nil,
                feedersJSON: "[]", verifiedMs: 0)
            guard ShedVerifier.ends(probe, event: e, saon: saon, breakerStates: states) else { continue }
            let meters = verifier.meters(saon: saon, stage: stage).map(\.id)
            if !meters.isEmpty {
                boost(Set(meters), saon.verifyPollIntervalMs, e.timeMs + ShedVerifier.powerBackWatchMs)
            }
            pendingRestorations.append((e, tripId, e.timeMs + ShedVerifier.powerBackWatchMs + ShedVerifier.settleMs))
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
