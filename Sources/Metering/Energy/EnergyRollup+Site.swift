extension EnergyRollup {
    /// One meter's part in a site total: its roll-ups and the sign it is counted with
    /// (1 for an incoming feeder, −1 for one that leaves the site, 0 for not counted).
    public struct MeterContribution: Sendable, Hashable {
        public var sign: Int
        public var rollups: [EnergyRollup]

        public init(sign: Int, rollups: [EnergyRollup]) {
            precondition((-1...1).contains(sign), "a meter's sign is 1, -1 or 0")
            self.sign = sign
            self.rollups = rollups
        }
    }

    /// The site's roll-ups: for each period any counted meter reports, the signed sum of the meters'
    /// energy, and their elapsed and measured time, counts and reasons added up.
    /// Pass every meter's roll-ups over the same span and step.
    public static func siteTotal(_ meters: [MeterContribution]) -> [EnergyRollup] {
        var byStart: [Int64: EnergyRollup] = [:]
        for meter in meters where meter.sign != 0 {
            for r in meter.rollups {
                var total = byStart[r.startMs] ?? EnergyRollup(startMs: r.startMs, endMs: r.endMs)
                total.add(r, sign: meter.sign)
                byStart[r.startMs] = total
            }
        }
        return byStart.values.sorted { $0.startMs < $1.startMs }
    }
}
