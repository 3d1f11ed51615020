/// A declared meter replacement or register reset (`esep meter replace --meter ID --at TIME
/// --old-final WH --new-initial WH`): it splits one meter's counter series in two.
///
/// Readings at or after `timeMs` belong to the new register; the energy across the split is
/// `(oldFinalWh − last old reading) + (next new reading − newInitialWh)`, each part judged like an
/// ordinary counter step (rollover, rating). The replacement is also a data point of the energy
/// series at `timeMs` (the old register's final value was read then).
public struct MeterReplacement: Sendable, Hashable {
    /// When the old register stopped and the new one started, UTC epoch ms.
    public var timeMs: Int64
    /// The old register's last value, Wh.
    public var oldFinalWh: Int64
    /// The new register's first value, Wh (0 after a reset, the nameplate reading of a new meter).
    public var newInitialWh: Int64
    /// Free text for the audit trail (work order, seal numbers).
    public var note: String?

    public init(timeMs: Int64, oldFinalWh: Int64, newInitialWh: Int64, note: String? = nil) {
        self.timeMs = timeMs
        self.oldFinalWh = oldFinalWh
        self.newInitialWh = newInitialWh
        self.note = note
    }
}
