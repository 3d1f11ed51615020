import Foundation
import Synchronization
public import Metering
public import Store

extension EnergyReadModel {
    /// Totals of every meter and of the site over `range` (a quarter, a month), elapsed up to now.
    ///
    /// The same figures as rolling up ``intervals(_:grid:)`` over the range — interval by
    /// interval for a main meter with a check meter (the comparison needs every interval) — but
    /// cheaper for the others: their closed intervals are summed by SQLite (or taken from
    /// `closed`, kept up to date by the caller), and only the intervals before the first closed
    /// one and after the last are computed.
    public func totals(label: String, range: Range<Int64>, closed closedTotals: ClosedTotals? = nil) throws(StoreError)
        -> QuarterTotals
    {
        let end = horizon(range.upperBound)
        var ids: [String: UInt32] = [:]
        for m in meters { if let id = try channelIds.id(m.id, store: store) { ids[m.id] = id } }
        let closed: ClosedTotals
        if let given = closedTotals {
            closed = given
        } else {
            closed = try store.closedTotals(channels: Array(ids.values), fromMs: range.lowerBound, toMs: range.upperBound)
        }
        let open = live?.openIntervals()
        // The part of a meter's range that cannot change until a new interval record arrives
        // (before its first closed interval, or up to where both it and its check meter are
        // closed) is kept between calls: the snapshot asks every second.
        func settled(_ m: EnergyMeter, upTo: Int64, version: Int64) throws(StoreError) -> EnergyRollup {
            let key = SettledPartCache.Key(meter: m.id, range: range, upTo: upTo, version: version)
            if let r = settledParts.get(key) { return r }
            var r = EnergyRollup(startMs: range.lowerBound, endMs: range.upperBound)
            for iv in try intervals(m, grid: grid(fromMs: range.lowerBound, toMs: upTo), open: open) where iv.startMs < upTo {
                r.add(iv)
            }
            settledParts.set(key, r)
            return r
        }
        func fresh(_ m: EnergyMeter, from: Int64) throws(StoreError) -> EnergyRollup {
            var r = EnergyRollup(startMs: range.lowerBound, endMs: range.upperBound)
            for iv in try intervals(m, grid: grid(fromMs: from, toMs: end), open: open) where iv.startMs >= from { r.add(iv) }
            return r
        }
        var rows: [QuarterTotals.Meter] = []
        var site = EnergyRollup(startMs: range.lowerBound, endMs: range.upperBound)
        for m in meters {
            var r = EnergyRollup(startMs: range.lowerBound, endMs: range.upperBound)
            let own = ids[m.id].flatMap { closed.lastEndMs[$0] }
            if let check = checkMeter(of: m) {
                // Compared interval by interval: settled up to where both are closed.
                let theirs = ids[check.id].flatMap { closed.lastEndMs[$0] }
                let cutoff = min(max(range.lowerBound, min(own ?? range.lowerBound, theirs ?? range.lowerBound)), end)
                if cutoff > range.lowerBound { r.add(try settled(m, upTo: cutoff, version: closed.throughId)) }
                r.add(try fresh(m, from: cutoff))
            } else if let channel = ids[m.id], let c = closed.rollups[channel], let first = closed.firstStartMs[channel],
                let last = own
            {
                // Closed intervals summed by SQLite; before the first one nothing changes any more.
                r.add(c)
                if first > range.lowerBound { r.add(try settled(m, upTo: first, version: closed.throughId)) }
                r.add(try fresh(m, from: last))
            } else {
                r.add(try fresh(m, from: range.lowerBound))
            }
            r.startMs = range.lowerBound
            r.endMs = range.upperBound
            if m.isCounted { site.add(r, sign: m.sign) }
            rows.append(QuarterTotals.Meter(m, r))
        }
        return QuarterTotals(
            quarter: label, from: calendar.iso8601(range.lowerBound), fromMs: range.lowerBound,
            to: calendar.iso8601(range.upperBound), toMs: range.upperBound, site: site,
            final: now() >= range.upperBound, meters: rows)
    }

    /// Totals of a calendar quarter, or nil when it has not started yet.
    public func quarter(_ q: Quarter) throws(StoreError) -> QuarterTotals? {
        let range = calendar.range(of: q)
        guard now() >= range.lowerBound else { return nil }
        return try totals(label: q.description, range: range)
    }

    /// The current quarter's and month's energy so far, their closed totals kept between calls
    /// (read whole once per period and after a correction, then only the records written since).
    public func periodsToDate(nowMs: Int64) throws(StoreError) -> PeriodsToDate {
        let date = calendar.localDate(at: nowMs)
        let q = Quarter(containing: date)
        let month = CalendarMonth(year: date.year, month: date.month)!
        let qr = calendar.range(of: q)
        let qt = try totals(label: q.description, range: qr, closed: closedTotals(quarterToDate, range: qr))
        let mr = calendar.range(of: month)
        let mt = try totals(label: month.description, range: mr, closed: closedTotals(monthToDate, range: mr))
        return PeriodsToDate(
            quarter: PeriodEnergy(period: qt.quarter, fromMs: qt.fromMs, toMs: nowMs, siteWh: qt.siteWh, completeness: qt.completeness),
            month: PeriodEnergy(period: mt.quarter, fromMs: mt.fromMs, toMs: nowMs, siteWh: mt.siteWh, completeness: mt.completeness))
    }

    func closedTotals(_ cache: ClosedTotalsCache, range: Range<Int64>) throws(StoreError) -> ClosedTotals {
        var ids: Set<UInt32> = []
        for m in meters { if let id = try channelIds.id(m.id, store: store) { ids.insert(id) } }
        if var totals = cache.get(range: range, channels: ids) {
            let records = try store.intervalRecords(afterId: totals.throughId)
            if totals.add(records, fromMs: range.lowerBound, toMs: range.upperBound, channels: ids) {
                cache.set(totals, range: range, channels: ids)
                return totals
            }
        }
        let totals = try store.closedTotals(channels: Array(ids), fromMs: range.lowerBound, toMs: range.upperBound)
        cache.set(totals, range: range, channels: ids)
        return totals
    }
}

/// Roll-ups of the settled part of meters' periods (see ``EnergyReadModel/totals(label:range:closed:)``),
/// a few per meter: the quarter's and the month's.
final class SettledPartCache: Sendable {
    struct Key: Hashable {
        var meter: String
        var range: Range<Int64>
        var upTo: Int64
        /// The newest interval record the part was computed with.
        var version: Int64
    }

    private let parts = Mutex<[Key: EnergyRollup]>([:])

    func get(_ key: Key) -> EnergyRollup? { parts.withLock { $0[key] } }

    /// Keeps `r`, dropping the meter's parts of the same range computed with other bounds.
    func set(_ key: Key, _ r: EnergyRollup) {
        parts.withLock { p in
            p = p.filter { $0.key.meter != key.meter || $0.key.range != key.range }
            p[key] = r
        }
    }
}

/// Closed-interval totals of one period (quarter- or month-to-date), brought up to date by the
/// snapshot every second.
final class ClosedTotalsCache: Sendable {
    private let state = Mutex<(range: Range<Int64>, channels: Set<UInt32>, totals: ClosedTotals)?>(nil)

    func get(range: Range<Int64>, channels: Set<UInt32>) -> ClosedTotals? {
        state.withLock { s in
            guard let s, s.range == range, s.channels == channels else { return nil }
            return s.totals
        }
    }

    /// Keeps `totals` unless newer ones (a larger ``ClosedTotals/throughId``) of the same period are kept.
    func set(_ totals: ClosedTotals, range: Range<Int64>, channels: Set<UInt32>) {
        state.withLock { s in
            if let s, s.range == range, s.channels == channels, s.totals.throughId > totals.throughId { return }
            s = (range, channels, totals)
        }
    }
}
