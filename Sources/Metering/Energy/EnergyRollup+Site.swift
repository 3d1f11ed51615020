extension EnergyRollup {
    /// One meter's part in a site total: its roll-ups and the sign it is counted with
    /// (1 for an incoming feeder, −1 for one that leaves the site, 0 for not counted).
    public struct MeterContribution: Sendable, Hashable {
        public var sign: Int
        public var rollups: [EnergyRollup]
        /// How many meters contribute exactly these roll-ups (meters with nothing in the range
        /// are added once, `times` over).
        public var times: Int

        public init(sign: Int, rollups: [EnergyRollup], times: Int = 1) {
            precondition((-1...1).contains(sign), "a meter's sign is 1, -1 or 0")
            precondition(times >= 0, "a contribution counts at least no meter")
            self.sign = sign
            self.rollups = rollups
            self.times = times
        }
    }

    /// The site's roll-ups: for each period any counted meter reports, the signed sum of the meters'
    /// energy, and their elapsed and measured time, counts and reasons added up.
    /// Pass every meter's roll-ups over the same span and step.
    public static func siteTotal(_ meters: [MeterContribution]) -> [EnergyRollup] {
        let counted = meters.filter { $0.sign != 0 && $0.times > 0 }
        guard let first = counted.first else { return [] }
        // The usual case: every meter rolled up over the same periods, added index by index.
        if counted.allSatisfy({ m in
            m.rollups.count == first.rollups.count && zip(m.rollups, first.rollups).allSatisfy { $0.startMs == $1.startMs }
        }) {
            var totals = first.rollups.map { EnergyRollup(startMs: $0.startMs, endMs: $0.endMs) }
            for meter in counted {
                for (i, r) in meter.rollups.enumerated() { totals[i].add(r, sign: meter.sign, times: meter.times) }
            }
            return totals
        }
        var byStart: [Int64: EnergyRollup] = [:]
        for meter in counted {
            for r in meter.rollups {
                var total = byStart[r.startMs] ?? EnergyRollup(startMs: r.startMs, endMs: r.endMs)
                total.add(r, sign: meter.sign, times: meter.times)
                byStart[r.startMs] = total
            }
        }
        return byStart.values.sorted { $0.startMs < $1.startMs }
    }
}
