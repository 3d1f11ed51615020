public import Metering

/// Lists the concrete deadlines of a site: the rules applied to every covered period, dated on the
/// working-day calendar.
public struct DeadlineEngine: Sendable {
    public let rules: [DeadlineRule]
    public let calendar: WorkingCalendar

    /// Defaults: the shipped rules (``DeadlineRule/kazakhstan``) and calendar (``WorkingCalendar/kazakhstan``).
    public init(rules: [DeadlineRule] = DeadlineRule.kazakhstan, calendar: WorkingCalendar = .kazakhstan) {
        self.rules = rules
        self.calendar = calendar
    }

    /// Every deadline whose due date (after rollover) lies in [`from`, `until`), for a site with
    /// `roles`, sorted by due date, then rule order, then period.
    ///
    /// A rule contributes a period only when its regime covers the period (the period's start, or
    /// the event's date, is in [regime.from, regime.until): ``Regime/covers(_:)``) and the rule
    /// applies to one of `roles`. Quarter and month rules enumerate their periods; event rules use
    /// `events[kind]` (no dates → no deadlines).
    /// - Parameters:
    ///   - from: first due date to list.
    ///   - until: first due date not to list.
    ///   - roles: the site's roles.
    ///   - events: dates of events, e.g. `[.poolChange: [2026-03-20]]`.
    ///   - today: the day the days-left figures count from.
    public func deadlines(
        from: LocalDate, until: LocalDate, roles: Set<SiteRole>, events: [EventKind: [LocalDate]] = [:],
        today: LocalDate
    ) -> [Deadline] {
        var out: [(Deadline, Int)] = []
        for (order, rule) in rules.enumerated() where rule.applies(to: roles) {
            for period in periods(of: rule, dueFrom: from, until: until, events: events) {
                let d = deadline(rule: rule, period: period, today: today)
                if from <= d.dueDate && d.dueDate < until { out.append((d, order)) }
            }
        }
        return out.sorted { a, b in
            (a.0.dueDate, a.1, a.0.period) < (b.0.dueDate, b.1, b.0.period)
        }.map(\.0)
    }

    /// The deadline of `rule` for `period`, seen from `today` (no regime or role check).
    public func deadline(rule: DeadlineRule, period: ReportingPeriod, today: LocalDate) -> Deadline {
        let unadjusted = rule.due.unadjustedDate(for: period, calendar: calendar)
        let due = rule.rollsOver ? calendar.nextWorkingDay(onOrAfter: unadjusted) : unadjusted
        return Deadline(
            rule: rule, period: period, unadjustedDate: unadjusted, dueDate: due, today: today,
            calendarDaysLeft: Int(due.daysSinceEpoch - today.daysSinceEpoch),
            workingDaysLeft: calendar.workingDays(from: today, to: due),
            regimeEndedBeforeDue: rule.regime.until.map { $0 <= due } ?? false)
    }

    /// The version of document `documentID` whose regime covers `period` (which template to use),
    /// or `nil` when none does (e.g. `quarterly_notice` for 2023Q3).
    public func applicableRule(documentID: String, for period: ReportingPeriod) -> DeadlineRule? {
        rules.first { $0.documentID == documentID && $0.period == period.kind && $0.regime.covers(period) }
    }

    /// Candidate periods of `rule` that its regime covers and whose due date may fall in [from, until).
    func periods(
        of rule: DeadlineRule, dueFrom from: LocalDate, until: LocalDate, events: [EventKind: [LocalDate]]
    ) -> [ReportingPeriod] {
        switch rule.period {
        case .event(let kind):
            return (events[kind] ?? []).map { ReportingPeriod.event(kind, on: $0) }.filter(rule.regime.covers)
        case .quarter, .month:
            guard case .dayOfMonthAfterPeriod(_, let month) = rule.due else { return [] }
            // A period's due date lies in the `month`-th month after its end, so any period whose due
            // date is on or after `from` ends at most `month` months before `from`'s month.
            let earliestEnd = CalendarMonth(containing: from).adding(months: -month - 1).firstDay
            var p: ReportingPeriod =
                rule.period == .quarter ? .quarter(containing: earliestEnd) : .month(containing: earliestEnd)
            if p.start < rule.regime.from {
                p =
                    rule.period == .quarter
                    ? .quarter(containing: rule.regime.from) : .month(containing: rule.regime.from)
            }
            var found: [ReportingPeriod] = []
            while p.start < until {
                if let end = rule.regime.until, end <= p.start { break }
                if rule.regime.covers(p) { found.append(p) }
                guard let n = p.next else { break }
                p = n
            }
            return found
        }
    }
}
