import Crypto
import Foundation
import Metering
public import SiteConfig
public import Store

/// What one document is asked for.
public struct DocumentRequest: Sendable {
    public var kind: DocumentKind
    public var period: ReportingPeriod
    /// `--template ID`: use this template even outside its period (the document then says so).
    public var template: String?
    /// cm1: the pool's distributions file (its name for messages, its bytes).
    public var distributions: (name: String, bytes: [UInt8])?
    /// cm1: this is a correction of a document already filed (rule 6 of `003_…`).
    public var correction: Correction?

    public struct Correction: Sendable, Hashable {
        /// The content SHA-256 of the document it corrects (as printed on it).
        public var replaces: String
        /// What changed.
        public var reason: String
        public init(replaces: String, reason: String) {
            self.replaces = replaces
            self.reason = reason
        }
    }

    public init(
        kind: DocumentKind, period: ReportingPeriod, template: String? = nil, distributions: (name: String, bytes: [UInt8])? = nil,
        correction: Correction? = nil
    ) {
        self.kind = kind
        self.period = period
        self.template = template
        self.distributions = distributions
        self.correction = correction
    }
}

/// Everything a document is built from: the site's config, the read model (every kWh), the
/// working-day calendar and the fee rate table, and the clock.
public struct DocumentSources: Sendable {
    public var site: SiteConfiguration
    public var model: EnergyReadModel
    public var workdays: WorkingCalendar
    public var rates: FeeRateTable
    /// Device polling health for the checklist (nil: ask the store).
    public var health: [DeviceHealth]?

    public init(
        site: SiteConfiguration, model: EnergyReadModel, workdays: WorkingCalendar = .kazakhstan, rates: FeeRateTable = .defaults,
        health: [DeviceHealth]? = nil
    ) {
        self.site = site
        self.model = model
        self.workdays = workdays
        self.rates = rates
        self.health = health
    }

    var calendar: SiteCalendar { model.calendar }
    var store: SampleStore { model.store }
    var nowMs: Int64 { model.now() }
    var today: LocalDate { calendar.localDate(at: nowMs) }
}

/// A built document: its data as one JSON tree (what `--format json` prints, and what the other
/// formats render), with its template and integrity figures.
public struct GeneratedDocument: Sendable {
    public let kind: DocumentKind
    public let template: DocumentTemplate
    /// Generated with `--template` outside the template's period.
    public let forced: Bool
    public let period: ReportingPeriod
    /// The whole document, `integrity` last.
    public let json: JSONValue
    /// SHA-256 (hex) of the compact JSON of the document without `integrity`.
    public let contentSHA256: String
    public let auditHead: AuditHead
}

/// Builds documents (``build(_:from:)``): every kWh comes from ``EnergyReadModel``, every fee
/// figure from ``FeeRateTable``, every date from ``WorkingCalendar`` and the deadline rules.
public enum DocumentBuilder {
    /// Builds `request` from `sources`.
    /// - Throws: ``DocumentError``: a period of the wrong form or not started, no template for it,
    ///   details missing from the config, a distributions file with errors, the store unreadable.
    public static func build(_ request: DocumentRequest, from sources: DocumentSources) throws(DocumentError) -> GeneratedDocument {
        let (template, forced) = try DocumentTemplate.select(request.kind, for: request.period, forced: request.template)
        guard let op = sources.site.operatorDetails else {
            throw DocumentError(
                .missingDetails, parameter: "operator",
                "\(sources.site.sourcePath): the config has no [operator] section (legal_name, bin, …): the documents name the operator")
        }
        if request.kind != .plans, request.period.start > sources.today {
            throw DocumentError(.invalidPeriod, parameter: "--period", "\(request.period.label) has not started yet (today is \(sources.today))")
        }
        let head: AuditHead
        do {
            head = try sources.store.auditHead()
        } catch {
            throw DocumentError(.data, parameter: "--db", "\(error)")
        }
        var body: [(String, JSONValue)] = [("document", header(request, template: template, forced: forced, sources: sources))]
        // The pool of the period's last day (or of today, for a period still running).
        let poolDay = min(request.period.lastDay, sources.today)
        body.append(("operator", operatorJSON(op, pool: op.pool(on: poolDay), countedMeters: sources.model.countedMeters.map(\.id))))
        do {
            switch request.kind {
            case .quarterlyNotice:
                body += try quarterlyNotice(request.period, template: template, sources: sources)
            case .fee:
                body += try feeReport(request.period, sources: sources)
            case .plans:
                body.append(("plans", .object([("start_date", .string(request.period.start.description))])))
            case .termination:
                body += try termination(request.period, sources: sources)
            case .poolChange:
                body += try poolChange(request.period, op: op, sources: sources)
            case .cm1:
                body += try cm1(request, op: op, sources: sources)
            case .checklist:
                body += try checklist(request.period, op: op, sources: sources)
            }
        } catch let e as DocumentError {
            throw e
        } catch {
            throw DocumentError(.data, parameter: "--db", "\(error)")
        }
        let content = JSONValue.object(body).rendered(pretty: false)
        let sha = hex(SHA256.hash(data: Data(content.utf8)))
        var integrity = JSONObject()
        integrity.add("audit_head", head.hash)
        integrity.add("audit_records", .int(head.records))
        integrity.add("content_sha256", .string(sha))
        body.append(("integrity", integrity.value))
        return GeneratedDocument(
            kind: request.kind, template: template, forced: forced, period: request.period, json: .object(body),
            contentSHA256: sha, auditHead: head)
    }

    // MARK: common members

    static func header(_ request: DocumentRequest, template: DocumentTemplate, forced: Bool, sources: DocumentSources) -> JSONValue {
        var t = JSONObject()
        t.add("id", .string(template.id))
        t.add("version", .string(template.version))
        t.add("regime", .string(template.regime.name))
        t.add("valid_from", .string(template.regime.from.description))
        t.add("valid_until", template.regime.until?.description)
        t.add("clause", .string(template.clause))
        t.add("forced", .bool(forced))
        var p = JSONObject()
        p.add("label", .string(request.period.label))
        let periodKind: String
        switch request.period.kind {
        case .quarter: periodKind = "quarter"
        case .month: periodKind = "month"
        case .event: periodKind = "event"
        }
        p.add("kind", .string(periodKind))
        p.add("from", .string(request.period.start.description))
        p.add("to", .string(request.period.lastDay.description))
        var d = JSONObject()
        d.add("kind", .string(request.kind.rawValue))
        d.add("template", t.value)
        d.add("period", p.value)
        d.add("generated_at", .string(sources.calendar.iso8601(sources.nowMs)))
        if let id = template.deadlineDocumentID {
            let engine = DeadlineEngine(calendar: sources.workdays)
            let documentID = request.correction != nil && request.kind == .cm1 ? "form_1cm_correction" : id
            let period = request.correction != nil && request.kind == .cm1 ? ReportingPeriod.event(.distributionCorrection, on: sources.today) : request.period
            if let rule = engine.applicableRule(documentID: documentID, for: period) {
                let deadline = engine.deadline(rule: rule, period: period, today: sources.today)
                var due = JSONObject()
                due.add("date", .string(deadline.dueDate.description))
                due.add("weekday", .string(weekdayName(deadline.dueDate)))
                due.add("rule", .string(rule.due.description))
                d.add("due", due.value)
            }
        }
        var site = JSONObject()
        site.add("name", .string(sources.site.site.name))
        site.add("timezone", .string(sources.calendar.identifier))
        d.add("site", site.value)
        if let c = request.correction, request.kind == .cm1 {
            var o = JSONObject()
            o.add("replaces_sha256", .string(c.replaces))
            o.add("reason", .string(c.reason))
            d.add("correction", o.value)
        }
        return d.value
    }

    /// - Parameters:
    ///   - pool: the pool mined through in the period, if any.
    ///   - countedMeters: what a location without its own meter list is measured by.
    static func operatorJSON(_ op: OperatorSection, pool: OperatorSection.Pool?, countedMeters: [String]) -> JSONValue {
        var o = JSONObject()
        o.add("legal_name", .string(op.legalName))
        o.add("bin", .string(op.bin))
        o.add("legal_form", .string(op.legalForm))
        o.add("kind", .string(op.kind))
        o.add("legal_address", op.legalAddress)
        var contacts = JSONObject()
        contacts.add("person", op.contactPerson)
        contacts.add("phone", op.phone)
        contacts.add("email", op.email)
        o.add("contacts", contacts.value)
        var bank = JSONObject()
        bank.add("name", op.bankName)
        bank.add("bic", op.bic)
        bank.add("iban", op.iban)
        o.add("bank", bank.value)
        if let l = op.licence {
            o.add("licence", .object([("number", .string(l.number)), ("date", .string(l.date.description))]))
        }
        if let pool {
            var p = JSONObject()
            p.add("name", .string(pool.name))
            p.add("bin", pool.bin)
            p.add("url", pool.url)
            p.add("since", .string(pool.since.description))
            o.add("pool", p.value)
        }
        o.add("required_capacity_mw", number: op.requiredCapacityMW)
        if let jobs = op.jobs { o.add("jobs", .int(jobs)) }
        var investment = JSONObject()
        investment.add("planned_kzt", number: op.plannedInvestmentKZT)
        investment.add("to_year_end_kzt", number: op.investmentToYearEndKZT)
        investment.add("next_12_months_kzt", number: op.investmentNext12MonthsKZT)
        o.add("investment", investment.value)
        o.add("ip_pool", .array(op.ipPool.map { .string($0) }))
        o.add(
            "locations",
            .array(
                op.locations.map { l in
                    .object([
                        ("id", .string(l.id)), ("name", .string(l.name)), ("address", .string(l.address)),
                        ("meters", .array((l.meters.isEmpty ? countedMeters : l.meters).map { .string($0) })),
                    ])
                }))
        o.add(
            "equipment",
            .array(
                op.equipment.map { e in
                    var x = JSONObject()
                    x.add("model", .string(e.model))
                    x.add("count", .int(e.count))
                    x.add("power_kw", number: e.powerKW)
                    return x.value
                }))
        if let g = op.gridConnection {
            var x = JSONObject()
            x.add("voltage_kv", number: g.voltageKV)
            x.add("capacity_mw", number: g.capacityMW)
            x.add("date", .string(g.date.description))
            x.add("substation", g.substation)
            x.add("conditions", g.conditions)
            o.add("grid_connection", x.value)
        }
        var documents = JSONObject()
        documents.add("customs_declaration", op.customsDeclaration)
        documents.add("equipment_ownership", op.equipmentOwnership)
        documents.add("residency", op.residency)
        o.add("documents", documents.value)
        if op.kind == "hosting_provider" {
            o.add(
                "clients",
                .array(
                    op.clients.map { c in
                        .object([
                            ("name", .string(c.name)), ("bin", .string(c.bin)), ("meters", .array(c.meters.map { .string($0) })),
                            ("feeders", .array(c.feeders.map { .string($0) })),
                        ])
                    }))
        }
        return o.value
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    /// Wh as kWh with 3 decimals (`1234.567`), exact.
    static func kwh(_ wh: Int64) -> JSONValue { .number(FeeDecimal.format(wh, scale: 3)) }

    /// A share 0…1 with 4 decimals.
    static func share(_ x: Double) -> JSONValue {
        let v = x.isFinite ? min(max(x, 0), 1) : 0
        return .number(String(format: "%.4f", v))
    }
}

/// A JSON object built member by member (absent members are left out, never `null`).
struct JSONObject {
    var members: [(String, JSONValue)] = []

    mutating func add(_ key: String, _ value: JSONValue) { members.append((key, value)) }

    mutating func add(_ key: String, _ text: String?) {
        if let text { members.append((key, .string(text))) }
    }

    /// A decimal kept as exact text (`"12.500"`), as a JSON number.
    mutating func add(_ key: String, number text: String?) {
        if let text { members.append((key, .number(text))) }
    }

    var value: JSONValue { .object(members) }
}

/// `monday` … `sunday`.
func weekdayName(_ d: LocalDate) -> String {
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][d.weekday.rawValue - 1]
}
