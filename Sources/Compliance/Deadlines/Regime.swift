public import Metering

/// The dates between which a rule applies: [``from``, ``until``), `until == nil` meaning still in force.
///
/// A period is *covered* by a regime when the period's start date lies in [from, until)
/// (``covers(_:)``): quarter 2023Q2 starts on 2023-04-01, inside [2022-01-01, 2023-06-04), so the
/// 2022 quarterly-notice rule lists it, although its due date (2023-07-10) falls after the rules
/// lapsed — the deadline then says so (``Deadline/regimeEndedBeforeDue``). An event is covered
/// when its date is inside.
public struct Regime: Sendable, Hashable, CustomStringConvertible {
    /// E.g. `informing rules, order 146/НҚ`.
    public let name: String
    public let from: LocalDate
    public let until: LocalDate?

    public init(name: String, from: LocalDate, until: LocalDate? = nil) {
        precondition(until.map { from < $0 } ?? true, "empty regime \(name)")
        self.name = name
        self.from = from
        self.until = until
    }

    /// Whether `date` is in [from, until).
    public func contains(_ date: LocalDate) -> Bool {
        from <= date && (until.map { date < $0 } ?? true)
    }

    /// Whether the period's start date is in the regime.
    public func covers(_ period: ReportingPeriod) -> Bool { contains(period.start) }

    /// `name [2022-01-01, 2023-06-04)` or `name [2026-01-01, …)`.
    public var description: String { "\(name) [\(from), \(until.map(\.description) ?? "…"))" }
}
