import Foundation
import Synchronization
public import Metering
public import SiteConfig
public import Store

/// The one read model of energy: every figure esep reports — the API's intervals and quarters,
/// `esep energy`, `esep verify`, the snapshot's quarter- and month-to-date, the documents — is
/// computed here and only rendered elsewhere.
///
/// **Intervals.** A meter's 15-minute intervals are the stored closed ones (their current
/// versions: a correction replaces what it supersedes), then those not stored yet (the running
/// writer's interval in progress, or computed from the stored readings with the meter's own
/// ``CounterOptions``). Every interval of an asked range appears, up to the one holding now:
/// `wh == nil` (missing, `no_reading_before`/`no_reading_after`) where nothing is known, never 0.
/// The interval that holds a meter's first reading reports the energy from that reading to its
/// end, flagged `partial` with the covered span; so does the interval that holds the last reading
/// once it has ended without another one. So the intervals of any span add up to the counter
/// difference across the readings they hold, to the Wh.
///
/// **Main and check.** A main meter with a check meter on its feeder is compared with it interval
/// by interval (``MainCheckComparison``: `check_divergence` beyond the combined accuracy classes,
/// suspect); with `fill_gaps_from_check` a main interval without a value takes the check meter's
/// energy (`filled_from_check`, estimated).
///
/// **Periods and site.** Hours, days, months, quarters and years are roll-ups of those intervals
/// in the site's time zone (``EnergyRollup``, whose doc comment defines completeness once); the
/// site is the signed sum of its counted main meters.
public struct EnergyReadModel: Sendable {
    /// The interval every period is rolled up from.
    public static let base = IntervalStep.defaultInterval

    public let store: SampleStore
    public let meters: [EnergyMeter]
    public let siteName: String
    public let calendar: SiteCalendar
    /// The clock (UTC epoch ms) that decides how much of a period has elapsed.
    public let now: @Sendable () -> Int64
    let live: (any LiveIntervalSource)?
    let channelIds = ChannelIdCache()
    let firstReadings = FirstReadingCache()
    let settledParts = SettledPartCache()
    let recentReadings = RecentReadingsCache()
    let quarterToDate = ClosedTotalsCache()
    let monthToDate = ClosedTotalsCache()

    /// - Parameters:
    ///   - live: the running daemon's intervals in progress; without it they are computed from
    ///     the stored readings (slower: a pass over the open hot window per meter).
    public init(
        store: SampleStore, meters: [EnergyMeter], siteName: String, calendar: SiteCalendar,
        now: @escaping @Sendable () -> Int64 = { WallClock.nowMs() }, live: (any LiveIntervalSource)? = nil
    ) {
        self.store = store
        self.meters = meters
        self.siteName = siteName
        self.calendar = calendar
        self.now = now
        self.live = live
    }

    /// The read model of a configured site.
    public init(
        store: SampleStore, site: SiteConfiguration, now: @escaping @Sendable () -> Int64 = { WallClock.nowMs() },
        live: (any LiveIntervalSource)? = nil
    ) {
        self.init(
            store: store, meters: site.meters.map(EnergyMeter.init), siteName: site.site.name,
            calendar: SiteCalendar(identifier: site.site.timezone) ?? .almaty, now: now, live: live)
    }

    /// The read model of a store opened without a config: its meters as recorded
    /// (``EnergyMeter/init(_:)-(DeviceRecord)``).
    public static func of(
        store: SampleStore, calendar: SiteCalendar, now: @escaping @Sendable () -> Int64 = { WallClock.nowMs() }
    ) throws(StoreError) -> EnergyReadModel {
        let meters = try store.devices().filter { $0.kind == "meter" }.map(EnergyMeter.init)
        return EnergyReadModel(store: store, meters: meters, siteName: "", calendar: calendar, now: now)
    }

    public func meter(_ id: String) -> EnergyMeter? { meters.first { $0.id == id } }

    /// The meters the site total counts.
    public var countedMeters: [EnergyMeter] { meters.filter(\.isCounted) }

    /// The check meter on a main meter's feeder.
    public func checkMeter(of m: EnergyMeter) -> EnergyMeter? {
        guard m.role == .main else { return nil }
        return meters.first { $0.role == .check && $0.feeder == m.feeder && $0.id != m.id }
    }

    /// How a main meter is compared with its check meter.
    public func comparison(_ m: EnergyMeter, _ check: EnergyMeter) -> MainCheckComparison {
        MainCheckComparison(mainClass: m.accuracyClass, checkClass: check.accuracyClass, fillsFromCheck: m.fillGapsFromCheck)
    }

    // MARK: Intervals

    /// Where the elapsed part of a range ends: at `toMs` or at the end of the interval holding now.
    public func horizon(_ toMs: Int64) -> Int64 {
        min(SiteCalendar.clamped(toMs), calendar.boundary(after: now(), step: Self.base))
    }

    /// The 15-minute boundaries of `[fromMs, horizon(toMs)]`, the first at or before `fromMs`.
    public func grid(fromMs: Int64, toMs: Int64) -> [Int64] {
        let from = calendar.boundary(atOrBefore: SiteCalendar.clamped(fromMs), step: Self.base)
        let to = horizon(toMs)
        guard from < to else { return [] }
        var g = calendar.boundaries(from: from, through: to, step: Self.base)
        if let last = g.last, last < to { g.append(calendar.boundary(after: last, step: Self.base)) }
        return g
    }

    /// A meter's 15-minute intervals over the grid: every one, compared with its check meter.
    public func intervals(_ m: EnergyMeter, grid: [Int64]) throws(StoreError) -> [EnergyInterval] {
        try intervals(m, grid: grid, open: live?.openIntervals())
    }

    /// ``intervals(_:grid:)`` with the writer's intervals in progress taken once by the caller
    /// (`nil`: compute them from the readings), so a site-wide read asks ingest once, not per meter.
    func intervals(_ m: EnergyMeter, grid: [Int64], open: [UInt32: EnergyInterval]?) throws(StoreError) -> [EnergyInterval] {
        guard grid.count >= 2 else { return [] }
        let own = try complete(m, grid: grid, open: open)
        guard let check = checkMeter(of: m) else { return own }
        return comparison(m, check).apply(main: own, check: try complete(check, grid: grid, open: open))
    }

    /// A meter's 15-minute intervals starting in `[fromMs, toMs)` (from the boundary at or before
    /// `fromMs`), up to the one holding now.
    public func intervals(_ m: EnergyMeter, fromMs: Int64, toMs: Int64) throws(StoreError) -> [EnergyInterval] {
        try intervals(m, grid: grid(fromMs: fromMs, toMs: toMs))
    }

    /// Recorded intervals, their partial edges, and a missing interval for every other grid slot.
    func complete(_ m: EnergyMeter, grid: [Int64], open: [UInt32: EnergyInterval]?) throws(StoreError) -> [EnergyInterval] {
        let (from, to) = (grid[0], grid[grid.count - 1])
        guard let channel = try channelIds.id(m.id, store: store) else { return Self.fill([], grid: grid, firstData: nil) }
        let first = try firstReadings.first(channel, from: from, store: store)
        // Before the first reading nothing is stored: no query for a range there.
        guard let first, to > first.timeMs else { return Self.fill([], grid: grid, firstData: first?.timeMs) }
        var recorded = try self.recorded(m, channel: channel, from: from, to: to, open: open)
        try edges(m, channel: channel, first: first, &recorded, from: from, to: to)
        return Self.fill(recorded, grid: grid, firstData: first.timeMs)
    }

    /// The stored closed intervals, then those after them: the writer's one in progress when it
    /// runs, otherwise computed from the readings.
    func recorded(
        _ m: EnergyMeter, channel: UInt32, from: Int64, to: Int64, open: [UInt32: EnergyInterval]?
    ) throws(StoreError) -> [EnergyInterval] {
        let stored = try store.intervals(channel: channel, fromMs: from, toMs: to).map(\.interval)
        var lastEnd = from
        if let end = stored.last?.endMs {
            lastEnd = end
        } else if let end = try store.lastIntervalEnd(channel: channel) {
            lastEnd = end
        }
        let tailFrom = max(from, lastEnd)
        guard tailFrom < to else { return stored }
        if let open {
            guard let iv = open[channel], iv.startMs >= tailFrom, iv.startMs < to else { return stored }
            return stored + [iv]
        }
        do throws(StoreError) {
            let lookback = 2 * (Self.base.fixedLengthMs ?? 3_600_000)  // as intervalsAfterClosed reads
            let prefetched = try recentReadings.readings(channel, fromMs: tailFrom - lookback, lookbackMs: lookback, model: self)
            let tail = try store.intervalsAfterClosed(
                device: m.id, lastEnd: tailFrom, toMs: to, step: Self.base, calendar: calendar, options: m.options,
                readings: prefetched)
            return stored + tail.filter { $0.startMs >= tailFrom && $0.wh != nil }
        } catch where error.code == .notFound {
            return stored
        }
    }

    /// The interval holding the first reading, and the one holding the last once it has ended.
    func edges(
        _ m: EnergyMeter, channel: UInt32, first: CounterReading, _ ivs: inout [EnergyInterval], from: Int64, to: Int64
    ) throws(StoreError) {
        // Head: the first reading lies in the interval before the first one with a value.
        let headEnd = ivs.first { $0.wh != nil }?.startMs ?? to
        if headEnd > from, first.timeMs < headEnd {
            let start = calendar.boundary(atOrBefore: first.timeMs, step: Self.base)
            let end = calendar.boundary(after: start, step: Self.base)
            if start >= from, first.timeMs > start, end <= headEnd,
                let head = live?.headIntervals()?[channel], head.startMs == start, head.endMs == end,
                head.covered?.lowerBound == first.timeMs
            {
                // The writer's, from the same first reading: what the readings below would give,
                // without reading them (in the hot tables, one meter's readings cost a pass over
                // every meter's).
                ivs.removeAll { $0.startMs == start }
                ivs.insert(head, at: ivs.firstIndex { $0.startMs > start } ?? ivs.endIndex)
            } else if start >= from, first.timeMs > start, end <= headEnd {
                let upTo = end + m.options.shortGapMs + 1
                let readings =
                    if live == nil, let all = try recentReadings.readings(channel, fromMs: first.timeMs, lookbackMs: 2 * Self.base.fixedLengthMs!, model: self) {
                        all.filter { $0.timeMs >= first.timeMs && $0.timeMs < upTo }
                    } else {
                        try store.readings(channel: channel, fromMs: first.timeMs, toMs: upTo)
                    }
                let declared = try store.replacements(device: m.id).map(\.replacement)
                let series = CounterSeries(readings: readings, replacements: declared, options: m.options)
                if let iv = series.intervals(boundaries: [first.timeMs, end]).first, iv.wh != nil {
                    let coveredEnd = iv.isOpen ? (iv.covered?.upperBound ?? end) : end
                    let head = EnergyInterval(
                        startMs: start, endMs: end, wh: iv.wh, reasons: iv.reasons.union(.partial), isOpen: iv.isOpen,
                        covered: first.timeMs..<max(first.timeMs, coveredEnd))
                    ivs.removeAll { $0.startMs == start }
                    ivs.insert(head, at: ivs.firstIndex { $0.startMs > start } ?? ivs.endIndex)
                }
            }
        }
        // Tail: an interval still "open" well after its end has no reading after it: it has ended —
        // partial, unless its last reading lies on its end boundary (then its energy is whole).
        if let k = ivs.lastIndex(where: { $0.wh != nil }), ivs[k].isOpen, now() >= ivs[k].endMs + m.options.measuredGapMs {
            if ivs[k].covered?.upperBound != ivs[k].endMs { ivs[k] = ivs[k].adding(.partial) }
            ivs[k].isOpen = false
        }
    }

    /// `recorded` (in time order) with a missing interval for every grid slot it has none for.
    static func fill(_ recorded: [EnergyInterval], grid: [Int64], firstData: Int64?) -> [EnergyInterval] {
        var out: [EnergyInterval] = []
        out.reserveCapacity(grid.count - 1)
        var r = 0
        for k in 1..<grid.count {
            let (b, e) = (grid[k - 1], grid[k])
            while r < recorded.count, recorded[r].startMs < b { r += 1 }
            if r < recorded.count, recorded[r].startMs == b {
                out.append(recorded[r])
                r += 1
            } else {
                let before = firstData.map { b < $0 } ?? true
                out.append(EnergyInterval(startMs: b, endMs: e, wh: nil, reasons: before ? .noReadingBefore : .noReadingAfter))
            }
        }
        return out
    }

    // MARK: Periods

    /// Roll-ups of `step` of one meter (or of the site: `meter == nil`) over `[fromMs, toMs)`:
    /// every period from the one holding `fromMs` to the one holding `toMs − 1` (or now).
    public func periods(meter: String?, step: IntervalStep, fromMs: Int64, toMs: Int64) throws(StoreError) -> [EnergyRollup] {
        let from = calendar.boundary(atOrBefore: SiteCalendar.clamped(fromMs), step: step)
        let to = calendar.period(containing: max(SiteCalendar.clamped(toMs), from + 1) - 1, step: step).upperBound
        let grid = self.grid(fromMs: from, toMs: to)
        guard grid.count >= 2 else { return [] }
        let open = live?.openIntervals()
        if let meter {
            guard let m = self.meter(meter) else {
                throw StoreError(.notFound, path: store.path, operation: "energy", reason: "no meter '\(meter)' in the site")
            }
            return EnergyRollup.rollUp(try intervals(m, grid: grid, open: open), by: step, calendar: calendar)
        }
        // The cost follows the data, not the range: the periods before a meter's first data (and its
        // check meter's) hold nothing but missing intervals, the same for every meter, so they are
        // added per period as a count of meters; only the rest is computed meter by meter.
        let missing = EnergyRollup.rollUp(Self.fill([], grid: grid, firstData: nil), by: step, calendar: calendar)
        var totals = missing.map { EnergyRollup(startMs: $0.startMs, endMs: $0.endMs) }
        // Meters whose own periods start at index k: Σ over signs of the meters still before their data.
        var starting: [Int: [Int]] = [:]
        for m in countedMeters where m.sign != 0 {
            let k = try firstPeriodWithData(m, grid: grid, periods: missing)
            starting[m.sign, default: Array(repeating: 0, count: missing.count + 1)][k] += 1
            guard k < missing.count else { continue }
            let sub = Array(grid[grid.firstIndex { $0 >= missing[k].startMs }!...])
            let own = EnergyRollup.rollUp(try intervals(m, grid: sub, open: open), by: step, calendar: calendar)
            for (i, r) in own.enumerated() where k + i < totals.count { totals[k + i].add(r, sign: m.sign) }
        }
        for (sign, counts) in starting.sorted(by: { $0.key < $1.key }) {
            var before = counts.reduce(0, +)  // meters still before their data at period i
            for i in missing.indices {
                before -= counts[i]
                if before > 0 { totals[i].add(missing[i], sign: sign, times: before) }
            }
        }
        return totals.filter { $0.counts.total > 0 }
    }

    /// The index of the first of `periods` (the site's periods over `grid`) that holds data of
    /// `m` or of the check meter its gaps may be filled from; `periods.count` when none does.
    func firstPeriodWithData(_ m: EnergyMeter, grid: [Int64], periods: [EnergyRollup]) throws(StoreError) -> Int {
        var start: Int64 = .max
        for meter in [m] + (checkMeter(of: m).map { [$0] } ?? []) {
            guard let channel = try channelIds.id(meter.id, store: store),
                let first = try firstReadings.first(channel, from: grid[0], store: store)
            else { continue }
            start = min(start, first.timeMs)
        }
        // The first period that ends after the first reading (binary search: periods are in order).
        var (lo, hi) = (0, periods.count)
        while lo < hi {
            let mid = (lo + hi) / 2
            if periods[mid].endMs <= start { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}

/// The store's `energy_import` channel id of each meter (a meter appears once ingest registered
/// it; ids never change after).
final class ChannelIdCache: Sendable {
    private let known = Mutex<[String: UInt32]>([:])

    func id(_ meter: String, store: SampleStore) throws(StoreError) -> UInt32? {
        if let id = known.withLock({ $0[meter] }) { return id }
        do {
            let id = try store.channel(device: meter, name: ChannelName(.energyImport)).id
            known.withLock { $0[meter] = id }
            return id
        } catch {
            if error.code == .notFound { return nil }
            throw error
        }
    }
}

/// Without the writer (the CLI, a model over a store alone): every meter's readings from two steps
/// before its last stored interval ends, read in one pass over the hot tables the first time one
/// is needed. Meter by meter, ``SampleStore/intervalsAfterClosed`` would pass over every meter's
/// rows in the hot tables for each. Taken once per model: a CLI command asks one question; the
/// daemon's model has the writer's intervals in progress and never comes here.
final class RecentReadingsCache: Sendable {
    private let state = Mutex<[UInt32: (fromMs: Int64, readings: [CounterReading])]?>(nil)

    /// The readings of `channel` from (at most) `fromMs` on, when the one pass covers them; nil: read
    /// them alone.
    func readings(_ channel: UInt32, fromMs: Int64, lookbackMs: Int64, model: EnergyReadModel) throws(StoreError) -> [CounterReading]? {
        if state.withLock({ $0 == nil }) {
            // From two steps before the last stored interval ends; without one (a meter first read
            // minutes ago), from its first data.
            var starts: [UInt32: Int64] = [:]
            let ends = try model.store.lastIntervalEnds()
            for m in model.meters {
                guard let c = try model.channelIds.id(m.id, store: model.store) else { continue }
                if let end = ends[c] {
                    starts[c] = end - lookbackMs
                } else if let first = try model.firstReadings.first(c, from: .min, store: model.store) {
                    starts[c] = first.timeMs
                }
            }
            let whole = Set(starts.keys.filter { ends[$0] == nil })
            let all = try model.store.readings(from: starts)
            var built: [UInt32: (fromMs: Int64, readings: [CounterReading])] = [:]
            // From the first reading on is every reading there is: it answers from any time.
            for (c, from) in starts { built[c] = (whole.contains(c) ? .min : from, all[c] ?? []) }
            state.withLock { $0 = built }
        }
        guard let entry = state.withLock({ $0?[channel] }), entry.fromMs <= fromMs else { return nil }
        return entry.readings
    }
}

/// Each channel's first reading. Polling never adds an earlier one; a manual reading
/// (`esep meter reading`, a commissioning reading) can, so a range that reaches back to the
/// known first reading asks for the first manual one too.
final class FirstReadingCache: Sendable {
    private let known = Mutex<[UInt32: CounterReading]>([:])

    func first(_ channel: UInt32, from: Int64, store: SampleStore) throws(StoreError) -> CounterReading? {
        if let r = known.withLock({ $0[channel] }) {
            guard from <= r.timeMs, let m = try store.firstManualReading(channel: channel), m.timeMs < r.timeMs else { return r }
            known.withLock { $0[channel] = m }
            return m
        }
        guard let start = try store.firstDataMs(channels: [channel]) else { return nil }
        // The first data is a stored interval's start, a sealed chunk's window or the open hot
        // window: the first reading is at most one interval and one window before it.
        let lookback = 2 * max(store.chunkWindowMs, 3_600_000)
        guard let r = try store.firstReading(channel: channel, fromMs: start - lookback, toMs: start + lookback) else { return nil }
        known.withLock { $0[channel] = r }
        return r
    }
}
