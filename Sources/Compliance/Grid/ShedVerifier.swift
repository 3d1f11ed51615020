import Foundation
import Metering
import SiteConfig
import Store

/// Judges SAON trips against measured load: did the tripped feeders' power fall by what the
/// stage must shed, within the controller's shed window?
///
/// Pure reading of the store (samples of the meters' total active power, the controller's
/// events); the verdicts it returns are recorded by the caller. The rules:
/// - **Before**: the mean power of each meter of the stage's feeders over the
///   ``preTripMs(_:)`` before the last read that still saw the stage untripped (the event's time
///   less its uncertainty), so a fall that began between two reads is not taken for the load.
/// - **After**: each meter's last reading within the window after the trip event.
/// - *verified* when the drop (before − after, summed) reaches the stage's expected drop
///   (`expected_kw`, or `expected_share` of the pre-trip power); *failed* otherwise, with the
///   figures; *unverifiable* when a meter has no reading before or within the window, when the
///   stage maps no feeder, or when the pre-trip load is under `min_load_kw` (nothing to shed).
/// - A trip while test mode was on is a test (a drill): judged the same, never counted as real.
public struct ShedVerifier: Sendable {
    public let site: SiteConfiguration
    public let store: SampleStore
    /// How long after the window's end the verdict waits for the last readings to be committed.
    public static let settleMs: Int64 = 1500
    /// Restoration: how long after the breakers close power is watched for its return.
    public static let powerBackWatchMs: Int64 = 10_000

    public init(site: SiteConfiguration, store: SampleStore) {
        self.site = site
        self.store = store
    }

    /// The `stage_tripped.N` number of a signal, nil for another signal.
    public static func stage(ofSignal signal: String) -> Int? {
        guard let name = ChannelName(signal), name.kind == .saonStageTripped else { return nil }
        return name.index
    }

    /// The `feeder_open.N` number of a signal, nil for another signal.
    public static func breaker(ofSignal signal: String) -> Int? {
        guard let name = ChannelName(signal), name.kind == .saonFeederOpen else { return nil }
        return name.index
    }

    /// Whether an event is a trip (a stage going from 0 to 1; a first observation is not).
    public static func isTrip(_ e: StateEvent) -> Bool { stage(ofSignal: e.signal) != nil && e.old == 0 && e.new == 1 }

    /// The meters whose power shows a stage's shed: the main meters of its feeders.
    public func meters(saon: SAONConfig, stage: Int) -> [MeterConfig] {
        guard let s = saon.stage(stage) else { return [] }
        let feeders = Set(s.feeders)
        return site.meters.filter { feeders.contains($0.feeder) && $0.role == .main }
    }

    /// How far back the pre-trip power is averaged: 10 s, or two of the slowest meter's polls.
    public func preTripMs(_ meters: [MeterConfig]) -> Int64 {
        max(10_000, 2 * Int64(meters.map(\.pollIntervalMs).max() ?? 0))
    }

    /// When the trip can be judged: the window's end plus the settling time.
    public func dueMs(_ trip: StateEvent, saon: SAONConfig) -> Int64 {
        trip.timeMs + Int64(saon.shedWindowMs) + Self.settleMs
    }

    /// Judges one trip event of controller `saon`.
    public func verify(_ trip: StateEvent, saon: SAONConfig, nowMs: Int64) throws(StoreError) -> ShedRecord {
        let stage = Self.stage(ofSignal: trip.signal) ?? 0
        let window = Int64(saon.shedWindowMs)
        let test = try store.state(device: saon.id, signal: ChannelName(.saonTestMode).description, atMs: trip.timeMs) == 1
        var record = ShedRecord(
            eventId: trip.id, saon: saon.id, stage: stage, timeMs: trip.timeMs, uncertaintyMs: trip.uncertaintyMs,
            test: test, verdict: .unverifiable, reason: "", windowMs: window, beforeW: nil, afterW: nil, expectedW: nil,
            feedersJSON: "[]", verifiedMs: nowMs)
        guard let mapping = saon.stage(stage) else {
            record.reason = "stage \(stage) of \(saon.id) sheds no configured feeder ([[saon.shed]])"
            return record
        }
        let meters = meters(saon: saon, stage: stage)
        guard !meters.isEmpty else {
            record.reason = "no main meter on feeder(s) \(mapping.feeders.joined(separator: ", "))"
            return record
        }
        // When the controller was not read for longer than the window (it was silent, or esep
        // was down), when the stage tripped is not known well enough to judge the window.
        let uncertainty = max(0, trip.uncertaintyMs ?? 0)
        guard uncertainty <= window else {
            record.reason =
                "the trip's time is known only to \(Self.seconds(uncertainty)) (the controller was not read meanwhile): "
                + "longer than the \(Self.seconds(window)) window"
            return record
        }
        let lastUntripped = trip.timeMs - uncertainty
        let pre = preTripMs(meters)
        let chartEnd = trip.timeMs + max(3 * window, 6_000)
        // The shed may end inside the window (a short one): power is judged before that.
        let endedMs = try endOfShed(after: trip, stage: stage, saon: saon, untilMs: trip.timeMs + window)
        let afterEnd = min(trip.timeMs + window, endedMs.map { $0 - 1 } ?? .max)
        var figures: [MeterFigure] = []
        var missing: [String] = []
        for m in meters {
            var f = MeterFigure(meter: m.id, feeder: m.feeder, beforeW: nil, afterW: nil, samples: [])
            if let channel = try? store.channel(device: m.id, name: ChannelName(.powerTotal)) {
                // A reading beyond ±1 TW is not a feeder's power: taken as missing, never as a figure.
                let samples = try store.samples(channel: channel.id, fromMs: lastUntripped - pre, toMs: chartEnd + 1)
                    .compactMap { s in s.value.doubleValue.flatMap { $0.isFinite && abs($0) <= Self.maxPowerW ? (s.timeMs, $0) : nil } }
                f.samples = samples.map { [$0.0, Int64($0.1.rounded())] }
                let before = samples.filter { $0.0 <= lastUntripped }.map(\.1)
                if !before.isEmpty { f.beforeW = before.reduce(0, +) / Double(before.count) }
                f.afterW = samples.last { $0.0 > trip.timeMs && $0.0 <= afterEnd }?.1
            }
            if f.beforeW == nil { missing.append("\(m.id): no power reading in the \(pre / 1000) s before the trip") }
            if f.afterW == nil { missing.append("\(m.id): no power reading within \(Self.seconds(window)) after the trip") }
            figures.append(f)
        }
        record.feedersJSON = MeterFigure.json(figures)
        guard missing.isEmpty else {
            record.reason = "meter data missing: " + missing.joined(separator: "; ")
            if figures.allSatisfy({ $0.beforeW != nil }) {
                record.beforeW = Int64(figures.reduce(0) { $0 + ($1.beforeW ?? 0) }.rounded())
            }
            return record
        }
        let before = figures.reduce(0) { $0 + ($1.beforeW ?? 0) }
        let after = figures.reduce(0) { $0 + ($1.afterW ?? 0) }
        // `expected_kw` is a floor, but never more than 90 % of what the feeders drew.
        let expected = mapping.expectedShedKW == nil ? mapping.expectedDropW(beforeW: before) : min(mapping.expectedDropW(beforeW: before), 0.9 * max(0, before))
        record.beforeW = Int64(before.rounded())
        record.afterW = Int64(after.rounded())
        record.expectedW = Int64(expected.rounded())
        let drop = before - after
        let span = "from \(Self.kW(before)) to \(Self.kW(after)) within \(Self.seconds(window))"
        if before < saon.minLoadKW * 1000 {
            record.reason = "no load to shed: \(Self.kW(before)) before the trip (min_load_kw \(saon.minLoadKW))"
        } else if drop >= expected {
            record.verdict = .verified
            record.reason = "power fell \(span) (−\(Self.kW(drop)); at least \(Self.kW(expected)) expected)"
        } else {
            record.verdict = .failed
            let share = before > 0 ? Int((drop / before * 100).rounded()) : 0
            record.reason =
                "power went \(span): −\(Self.kW(max(0, drop))) (\(share) %), at least \(Self.kW(expected)) expected"
        }
        return record
    }

    /// The largest power reading taken as a figure, W (1 TW).
    static let maxPowerW = 1e12

    /// When a shed of `stage` that began with `trip` ended (its stage reset or one of its
    /// breakers closed) before `untilMs`, if it did.
    func endOfShed(after trip: StateEvent, stage: Int, saon: SAONConfig, untilMs: Int64) throws(StoreError) -> Int64? {
        let breakers = Set((saon.stage(stage)?.feeders ?? []).flatMap(saon.breakerInputs(of:)))
        return try store.events(fromMs: trip.timeMs + 1, toMs: untilMs + 1).first { e in
            e.device == saon.id && e.old == 1 && e.new == 0
                && (Self.stage(ofSignal: e.signal) == stage || Self.breaker(ofSignal: e.signal).map(breakers.contains) == true)
        }?.timeMs
    }

    /// The end of a shed, from the event that closed its last breaker or reset its stage.
    /// `powerBackMs` is the first instant every meter read at least half its pre-trip power again.
    public func restoration(of shed: ShedRecord, by event: StateEvent, saon: SAONConfig, nowMs: Int64) throws(StoreError)
        -> ShedRestoration
    {
        let meters = meters(saon: saon, stage: shed.stage)
        let figures = MeterFigure.decode(shed.feedersJSON)
        var back: Int64? = meters.isEmpty ? nil : event.timeMs
        for m in meters {
            guard let before = figures.first(where: { $0.meter == m.id })?.beforeW,
                let channel = try? store.channel(device: m.id, name: ChannelName(.powerTotal))
            else {
                back = nil
                break
            }
            let samples = try store.samples(channel: channel.id, fromMs: event.timeMs, toMs: event.timeMs + Self.powerBackWatchMs)
            guard let first = samples.first(where: { ($0.value.doubleValue ?? 0) >= before / 2 }) else {
                back = nil
                break
            }
            back = max(back ?? first.timeMs, first.timeMs)
        }
        // Energy not consumed: the load shed times the outage. For a verified or unverifiable
        // trip the load shed is the pre-trip power; for a failed one only what was measured to fall.
        var shedW = shed.beforeW
        if shed.verdict == .failed, let b = shed.beforeW, let a = shed.afterW {
            let (d, overflow) = b.subtractingReportingOverflow(a)
            shedW = overflow ? nil : max(0, d)
        }
        return ShedRestoration(
            shedId: shed.id, timeMs: event.timeMs, signal: event.signal, powerBackMs: back,
            notConsumedWh: shedW.flatMap { Self.energyWh(powerW: $0, durationMs: event.timeMs - shed.timeMs) },
            createdMs: nowMs)
    }

    /// Whether `event` ends a shed of `stage`: the last open breaker of the stage's feeders
    /// closes, or the stage resets with none of them open (no breakers mapped, or breakers that
    /// never reported open — the failing shed). `breakerStates` are the states before `event`.
    public static func ends(stage: Int, saon: SAONConfig, event: StateEvent, breakerStates: [Int: Int]) -> Bool {
        guard event.device == saon.id, event.old == 1, event.new == 0 else { return false }
        let breakers = (saon.stage(stage)?.feeders ?? []).flatMap(saon.breakerInputs(of:))
        if Self.stage(ofSignal: event.signal) == stage {
            return breakers.allSatisfy { (breakerStates[$0] ?? 0) == 0 }
        }
        guard let b = breaker(ofSignal: event.signal), breakers.contains(b) else { return false }
        return breakers.allSatisfy { ($0 == b ? 0 : breakerStates[$0] ?? 0) == 0 }
    }

    /// `powerW × durationMs` in Wh, rounded; nil when out of range (a negative or absurd span).
    public static func energyWh(powerW: Int64, durationMs: Int64) -> Int64? {
        guard powerW >= 0, powerW <= 1_000_000_000_000, durationMs >= 0, durationMs <= 400 * 86_400_000 else { return nil }
        let (product, overflow) = powerW.multipliedReportingOverflow(by: durationMs)
        guard !overflow else { return nil }
        return (product + 1_800_000) / 3_600_000
    }

    static func kW(_ w: Double) -> String { String(format: "%.1f kW", w / 1000) }
    static func seconds(_ ms: Int64) -> String { ms % 1000 == 0 ? "\(ms / 1000) s" : String(format: "%.1f s", Double(ms) / 1000) }
}

/// One meter's figures in a shed record (`feeders` JSON).
public struct MeterFigure: Sendable, Hashable, Codable {
    public var meter: String
    public var feeder: String
    public var beforeW: Double?
    public var afterW: Double?
    /// `[t_ms, W]` pairs around the trip (for the evidence chart).
    public var samples: [[Int64]]

    public init(meter: String, feeder: String, beforeW: Double?, afterW: Double?, samples: [[Int64]]) {
        self.meter = meter
        self.feeder = feeder
        self.beforeW = beforeW
        self.afterW = afterW
        self.samples = samples
    }

    enum CodingKeys: String, CodingKey {
        case meter, feeder, beforeW = "before_w", afterW = "after_w", samples
    }

    static func json(_ figures: [MeterFigure]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(figures)).flatMap { String(data: $0, encoding: .utf8) } ?? "[]"
    }

    public static func decode(_ json: String) -> [MeterFigure] {
        (try? JSONDecoder().decode([MeterFigure].self, from: Data(json.utf8))) ?? []
    }
}
