public import Metering
public import Store

/// One local day of a quarter as the fee sees it.
public struct FeeDay: Sendable, Hashable {
    public var date: LocalDate
    /// The site's energy that day (signed sum of its counted main meters), Wh; 0 when none is known.
    public var wh: Int64
    /// The largest share, over the counted main meters, of the day's elapsed time that is neither
    /// measured nor filled from a check meter (0…1).
    public var unmeasuredShare: Double
    /// The meter with that share.
    public var worstMeter: String?
    /// The day counts as one with a missing or faulty meter (``EnergyReadModel/feeDays(_:faultyShare:)``).
    public var faulty: Bool
}

extension EnergyReadModel {
    /// The elapsed local days of `quarter`, for the fee.
    ///
    /// **A day with a missing or faulty meter** (the 25 KZT rule, Tax Code 2026 art. 658): a day on
    /// which, for any counted main meter, the share of the day's elapsed time covered neither by a
    /// measured interval nor by one filled from its check meter exceeds `faultyShare` — a missing,
    /// estimated, interpolated or suspect stretch counts against it. Computed from the same
    /// intervals every other report uses.
    /// - Parameter meters: the meters of one object of taxation (a location, a hosted client); nil:
    ///   every counted main meter of the site.
    public func feeDays(_ quarter: Quarter, faultyShare: Double, meters subset: [EnergyMeter]? = nil) throws(StoreError) -> [FeeDay] {
        let range = calendar.range(of: quarter)
        let grid = self.grid(fromMs: range.lowerBound, toMs: range.upperBound)
        guard grid.count >= 2 else { return [] }
        var days: [LocalDate: FeeDay] = [:]
        var elapsed: [LocalDate: [String: (elapsed: Int64, ok: Int64)]] = [:]
        let open = live?.openIntervals()
        for m in subset ?? countedMeters {
            for iv in try intervals(m, grid: grid, open: open) {
                let date = calendar.localDate(at: iv.startMs)
                var day = days[date] ?? FeeDay(date: date, wh: 0, unmeasuredShare: 0, worstMeter: nil, faulty: false)
                day.wh += Int64(m.sign) * (iv.wh ?? 0)
                days[date] = day
                var e = elapsed[date, default: [:]][m.id] ?? (0, 0)
                e.elapsed += iv.elapsedMs
                if iv.reasons.contains(.filledFromCheck) {
                    e.ok += iv.elapsedMs
                } else if iv.quality == .measured {
                    e.ok += iv.coveredMs
                }
                elapsed[date, default: [:]][m.id] = e
            }
        }
        for (date, meters) in elapsed {
            for (meter, e) in meters.sorted(by: { $0.key < $1.key }) where e.elapsed > 0 {
                let share = Double(e.elapsed - min(e.ok, e.elapsed)) / Double(e.elapsed)
                if share > days[date]!.unmeasuredShare {
                    days[date]!.unmeasuredShare = share
                    days[date]!.worstMeter = meter
                }
            }
            days[date]!.faulty = days[date]!.unmeasuredShare > faultyShare
        }
        return days.values.sorted { $0.date < $1.date }
    }
}
