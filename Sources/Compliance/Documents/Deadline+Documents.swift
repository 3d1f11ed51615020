import Metering
public import Store

extension Deadline {
    /// The deadlines with ``generated`` filled from the recorded documents: true when a document of
    /// the deadline's kind and period was generated, false when none was, nil for an obligation that
    /// is not a document esep produces (the fee payment).
    public static func marking(_ deadlines: [Deadline], documents: [DocumentRecord]) -> [Deadline] {
        let made = Set(documents.map { "\($0.kind)|\($0.period)" })
        return deadlines.map { d in
            var d = d
            if let kind = DocumentKind(deadlineDocumentID: d.rule.documentID) {
                d.generated = made.contains("\(kind.rawValue)|\(d.period.key)")
            }
            return d
        }
    }

    /// The API path of the deadline's document (`/v1/reports/fee?period=2026Q3`), nil when esep
    /// does not produce it (the fee payment, 1-ЦМ which needs a distributions file).
    public var reportPath: String? {
        guard let kind = DocumentKind(deadlineDocumentID: rule.documentID), kind != .cm1 else { return nil }
        let period: String
        switch self.period.kind {
        case .quarter, .month: period = self.period.label
        case .event: period = self.period.start.description
        }
        return "/v1/reports/\(kind.rawValue)?period=\(period)"
    }
}
