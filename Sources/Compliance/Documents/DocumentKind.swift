import Metering

/// The documents esep produces (DOMAIN.md, "The documents"). Raw values are the command-line and
/// API names (`esep report quarterly-notice`, `GET /v1/reports/fee`).
public enum DocumentKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Quarterly notice on digital-mining activity (`000_434c57f1568eb04d.txt`, rule 4).
    case quarterlyNotice = "quarterly-notice"
    /// The fee report: the figures of the fee declaration and of order 402 (`000_…`, rule 6-1).
    case fee
    /// Notice of planned activity (`000_…`, rule 3).
    case plans
    /// Termination notice (`000_…`, rule 5).
    case termination
    /// Pool change notice (`002_a3d5801c8847d993.txt`, requirement 4).
    case poolChange = "pool-change"
    /// The 1-ЦМ monthly form of a pool (`003_19f143c9746479e8.txt`, annex 2).
    case cm1
    /// The readiness checklist (`001_cc534a2e440ff2e5.txt`, `002_…`).
    case checklist

    public var description: String { rawValue }

    /// What `--period` names for this kind.
    public var periodKind: DocumentPeriodKind {
        switch self {
        case .quarterlyNotice, .fee, .checklist: .quarter
        case .cm1: .month
        case .plans: .date(.activityStart)
        case .termination: .date(.activityEnd)
        case .poolChange: .date(.poolChange)
        }
    }

    /// The kind a deadline rule's document is produced as (`fee_declaration` → fee).
    public init?(deadlineDocumentID id: String) {
        switch id {
        case "quarterly_notice": self = .quarterlyNotice
        case "plata_figures", "fee_declaration": self = .fee
        case "planned_activity_notice": self = .plans
        case "termination_notice": self = .termination
        case "pool_change_notice": self = .poolChange
        case "form_1cm", "form_1cm_correction": self = .cm1
        default: return nil
        }
    }
}

/// What a document's `--period` is.
public enum DocumentPeriodKind: Sendable, Hashable {
    /// `2026Q3`.
    case quarter
    /// `2026-10`.
    case month
    /// A day: `2026-11-20` (the planned start, the end of activity, the pool change).
    case date(EventKind)

    /// How to write it, for messages.
    public var example: String {
        switch self {
        case .quarter: "a quarter like 2026Q3"
        case .month: "a month like 2026-10"
        case .date: "a date like 2026-11-20 (site-local)"
        }
    }

    /// The period `text` names, or nil.
    public func parse(_ text: String) -> ReportingPeriod? {
        switch self {
        case .quarter:
            guard let q = Quarter(text), (2000...2200).contains(q.year) else { return nil }
            return .quarter(year: q.year, number: q.number)
        case .month:
            guard let m = CalendarMonth(text), (2000...2200).contains(m.year) else { return nil }
            return .month(year: m.year, month: m.month)
        case .date(let event):
            guard let d = LocalDate(text), (2000...2200).contains(d.year) else { return nil }
            return .event(event, on: d)
        }
    }
}

/// The formats a document is rendered in.
public enum DocumentFormat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case json, csv, html, pdf
    public var description: String { rawValue }

    /// The HTTP content type.
    public var contentType: String {
        switch self {
        case .json: "application/json"
        case .csv: "text/csv; charset=utf-8"
        case .html: "text/html; charset=utf-8"
        case .pdf: "application/pdf"
        }
    }

    /// Whether the output depends on the language.
    public var isLocalised: Bool { self == .html || self == .pdf }
}
