/// One obligation as data: which document, for which periods, due when, from which source.
///
/// A document whose rules changed is several rules with the same ``documentID`` and different
/// ``templateVersion`` and ``regime`` (templates are versioned by the period they cover, DOMAIN.md);
/// ``DeadlineEngine/applicableRule(documentID:for:)`` picks the one for a period.
public struct DeadlineRule: Sendable, Hashable, Identifiable {
    /// Unique and stable (it goes into iCalendar UIDs), `[a-z0-9_-]`, e.g. `quarterly_notice-2022`.
    public let id: String
    /// The document, the same across versions, e.g. `quarterly_notice`.
    public let documentID: String
    /// The template version (regime) this rule belongs to, e.g. `2020`, `2022`.
    public let templateVersion: String
    public let name: LocalizedText
    /// What one document covers.
    public let period: PeriodKind
    public let due: DueDateRule
    /// Whether a due date on a non-working day moves to the next working day
    /// (``WorkingCalendar/nextWorkingDay(onOrAfter:)``).
    public let rollsOver: Bool
    /// Why ``rollsOver`` is what it is (the article, or the reasoning).
    public let rolloverBasis: String
    /// The periods the rule applies to (``Regime/covers(_:)``).
    public let regime: Regime
    /// The site roles that must file it.
    public let appliesTo: Set<SiteRole>
    public let sources: [LegalSource]

    public init(
        id: String, documentID: String, templateVersion: String, name: LocalizedText, period: PeriodKind,
        due: DueDateRule, rollsOver: Bool, rolloverBasis: String, regime: Regime, appliesTo: Set<SiteRole>,
        sources: [LegalSource]
    ) {
        precondition(due.fits(period), "rule \(id): \(due) does not fit a \(period) period")
        precondition(
            !id.isEmpty
                && id.unicodeScalars.allSatisfy {
                    ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
                },
            "rule id \(id) must be [a-z0-9_-]")
        self.id = id
        self.documentID = documentID
        self.templateVersion = templateVersion
        self.name = name
        self.period = period
        self.due = due
        self.rollsOver = rollsOver
        self.rolloverBasis = rolloverBasis
        self.regime = regime
        self.appliesTo = appliesTo
        self.sources = sources
    }

    /// Whether a site with any of `roles` must file it.
    public func applies(to roles: Set<SiteRole>) -> Bool { !appliesTo.isDisjoint(with: roles) }
}
