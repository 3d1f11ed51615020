import Metering

/// A versioned document template: the kind it produces, the regime (dates) it applies to, the
/// clause it implements, and the Mustache file it is laid out with. A new regime is a new template,
/// never an edit of an old one (DOMAIN.md, "Which regime applies when").
public struct DocumentTemplate: Sendable, Hashable {
    /// `quarterly-notice-2022`.
    public let id: String
    public let kind: DocumentKind
    /// `2022`.
    public let version: String
    /// The dates it applies to: a period is covered when its first day is inside.
    public let regime: Regime
    /// The clause it implements, `000_434c57f1568eb04d.txt, rule 4`.
    public let clause: String
    /// The deadline rule's document id whose due date it answers (`quarterly_notice`), nil when none.
    public let deadlineDocumentID: String?
    /// The Mustache template's name (`quarterly-notice`).
    public let file: String

    /// Whether the template applies to `period`.
    public func covers(_ period: ReportingPeriod) -> Bool { regime.covers(period) }

    static let seed000 = "000_434c57f1568eb04d.txt"
    static let seed001 = "001_cc534a2e440ff2e5.txt"
    static let seed002 = "002_a3d5801c8847d993.txt"
    static let seed003 = "003_19f143c9746479e8.txt"
    static let seed004 = "004_340855b6ff5be1b7.txt"

    /// Informing rules (2020 and 2022 versions together): the notices of plans and termination.
    static let informing = Regime(
        name: "informing rules, order 384/НҚ as amended by 146/НҚ", from: DeadlineRule.informing2020.from,
        until: DeadlineRule.informing2022.until)
    /// The fee before its quarterly declaration: 2022 (1 KZT/kWh, plata figures of rule 6-1).
    static let fee2022 = Regime(name: "Tax Code 2017, art. 606-3 (Law 53-VII), plata figures of rule 6-1", from: DeadlineRule.date(2022, 1, 1), until: DeadlineRule.date(2023, 1, 1))

    /// Every shipped template, by kind and date.
    public static let all: [DocumentTemplate] = [
        DocumentTemplate(
            id: "quarterly-notice-2020", kind: .quarterlyNotice, version: "2020", regime: DeadlineRule.informing2020,
            clause: "\(seed004), rule 4", deadlineDocumentID: "quarterly_notice", file: "quarterly-notice-2020"),
        DocumentTemplate(
            id: "quarterly-notice-2022", kind: .quarterlyNotice, version: "2022", regime: DeadlineRule.informing2022,
            clause: "\(seed000), rule 4, fields 1–15", deadlineDocumentID: "quarterly_notice", file: "quarterly-notice"),
        // Under licensing the miner's periodic filing is the fee declaration; the rule-4 fields remain
        // what an authority or the grid operator asks a site for (DOMAIN.md): same layout, no deadline.
        DocumentTemplate(
            id: "quarterly-notice-2023", kind: .quarterlyNotice, version: "2023", regime: DeadlineRule.licensing,
            clause: "\(seed000), rule 4, fields 1–15 (on request, under licensing: \(seed002))", deadlineDocumentID: nil,
            file: "quarterly-notice"),
        DocumentTemplate(
            id: "fee-2022", kind: .fee, version: "2022", regime: fee2022,
            clause: "\(seed000), rule 6-1 (order 402 figures); Tax Code 2017 art. 606-3", deadlineDocumentID: "plata_figures",
            file: "fee"),
        DocumentTemplate(
            id: "fee-2023", kind: .fee, version: "2023", regime: DeadlineRule.fee2023,
            clause: "Tax Code 2017, arts. 606-1…606-5; \(seed000), rule 6-1 (order 402 figures)",
            deadlineDocumentID: "fee_declaration", file: "fee"),
        DocumentTemplate(
            id: "fee-2026", kind: .fee, version: "2026", regime: DeadlineRule.fee2026,
            clause: "Tax Code 2026, arts. 657–661", deadlineDocumentID: "fee_declaration", file: "fee"),
        DocumentTemplate(
            id: "plans-2022", kind: .plans, version: "2022", regime: informing, clause: "\(seed000), rule 3, fields 1–13",
            deadlineDocumentID: "planned_activity_notice", file: "plans"),
        DocumentTemplate(
            id: "termination-2022", kind: .termination, version: "2022", regime: informing, clause: "\(seed000), rule 5",
            deadlineDocumentID: "termination_notice", file: "termination"),
        DocumentTemplate(
            id: "pool-change-2023", kind: .poolChange, version: "2023", regime: DeadlineRule.licensing,
            clause: "\(seed002), requirement 4", deadlineDocumentID: "pool_change_notice", file: "pool-change"),
        DocumentTemplate(
            id: "cm1-2023", kind: .cm1, version: "2023", regime: DeadlineRule.licensing,
            clause: "\(seed003), rules 5–6 and annex 2, columns 1–11", deadlineDocumentID: "form_1cm", file: "cm1"),
        DocumentTemplate(
            id: "checklist-2023", kind: .checklist, version: "2023", regime: DeadlineRule.licensing,
            clause: "\(seed001), miner items; \(seed002), requirements", deadlineDocumentID: nil, file: "checklist"),
    ]

    /// Every regime a template or deadline knows, to say which applies on a date.
    static let regimes: [Regime] = [
        DeadlineRule.informing2020, DeadlineRule.informing2022, fee2022, DeadlineRule.fee2023, DeadlineRule.fee2026,
        DeadlineRule.licensing,
    ]

    /// The template for `kind` and `period`: the one named by `forced` (then `forced` is true when it
    /// does not cover the period), else the one whose regime covers it.
    /// - Throws: ``DocumentError/Code/unknownTemplate`` for a `forced` id of no template of the kind;
    ///   ``DocumentError/Code/noTemplate`` naming the regimes in force on the period's first day and
    ///   the template of the kind nearest in time, with `--template ID` to force it.
    public static func select(_ kind: DocumentKind, for period: ReportingPeriod, forced: String? = nil) throws(DocumentError)
        -> (template: DocumentTemplate, forced: Bool)
    {
        let candidates = all.filter { $0.kind == kind }
        if let forced {
            guard let t = candidates.first(where: { $0.id == forced }) else {
                throw DocumentError(
                    .unknownTemplate, parameter: "--template",
                    "'\(forced)' is not a template of \(kind): \(candidates.map(\.id).joined(separator: ", "))")
            }
            return (t, !t.covers(period))
        }
        if let t = candidates.first(where: { $0.covers(period) }) { return (t, false) }
        let day = period.start
        let inForce = regimes.filter { $0.contains(day) }.map(\.description)
        let nearest = candidates.min { distance($0.regime, day) < distance($1.regime, day) }!
        let regimeText = inForce.isEmpty ? "no regime esep knows" : inForce.joined(separator: "; ")
        throw DocumentError(
            .noTemplate, parameter: "--period",
            "no \(kind) template covers \(period.label): on \(day) the regime is \(regimeText). The nearest template is "
                + "\(nearest.id) (\(nearest.regime)); give --template \(nearest.id) to use it anyway — the document then says so on its face")
    }

    /// Days from `date` to the regime (0 inside).
    static func distance(_ r: Regime, _ date: LocalDate) -> Int64 {
        if r.contains(date) { return 0 }
        if date < r.from { return r.from.daysSinceEpoch - date.daysSinceEpoch }
        return date.daysSinceEpoch - (r.until ?? date).daysSinceEpoch + 1
    }
}
