import Foundation
import Metering
import SiteConfig
import Store

extension DocumentBuilder {
    /// One item of the readiness checklist.
    struct CheckItem {
        var id: String
        var source: String
        var status: String
        var evidence: [CheckEvidence]
    }

    /// Items esep has no evidence for: listed, so the inspector's whole list is on one page.
    static let unevidencedItems: [(id: String, source: String)] = [
        ("002-req-1", "\(DocumentTemplate.seed002), requirement 1"), ("002-req-2", "\(DocumentTemplate.seed002), requirement 2"),
        ("002-req-3", "\(DocumentTemplate.seed002), requirement 3"),
    ]

    /// The readiness checklist: the miner items of `001_cc534a2e440ff2e5.txt` and the requirements of
    /// `002_a3d5801c8847d993.txt`, each met / not met / cannot tell, with the evidence — the config
    /// and live evidence (device health, the quarter's completeness per meter, recorded documents).
    static func checklist(_ period: ReportingPeriod, op: OperatorSection, sources: DocumentSources) throws -> [(String, JSONValue)] {
        let site = sources.site
        let today = sources.today
        var items: [CheckItem] = []
        let s001 = DocumentTemplate.seed001
        let s002 = DocumentTemplate.seed002

        // 001, miner item 5: technical conditions only from substations of 35 kV and above with at
        // least 1 MW, or connected before 1 April 2023.
        if let g = op.gridConnection {
            let kv = Double(g.voltageKV) ?? 0
            let mw = Double(g.capacityMW) ?? 0
            let before = g.date < LocalDate(year: 2023, month: 4, day: 1)!
            var evidence = [
                CheckEvidence(kv >= 35 ? "grid_voltage_ok" : "grid_voltage_low", g.voltageKV),
                CheckEvidence(mw >= 1 ? "grid_capacity_ok" : "grid_capacity_low", g.capacityMW),
                CheckEvidence(before ? "grid_date_before" : "grid_date", g.date.description),
            ]
            if let c = g.conditions { evidence.append(CheckEvidence("grid_conditions", c)) }
            let status = (kv >= 35 && mw >= 1) || before ? "met" : "not_met"
            items.append(CheckItem(id: "001-miner-5", source: "\(s001), miner item 5", status: status, evidence: evidence))
            items.append(CheckItem(id: "002-req-6", source: "\(s002), requirement 6", status: status, evidence: evidence))
        } else {
            for (id, source) in [("001-miner-5", "\(s001), miner item 5"), ("002-req-6", "\(s002), requirement 6")] {
                items.append(
                    CheckItem(id: id, source: source, status: "cannot_tell", evidence: [CheckEvidence("grid_not_configured")]))
            }
        }
        // 001, miner item 7: mining through a pool that uses the data centre.
        if let pool = op.pool(on: today) {
            items.append(
                CheckItem(id: "001-miner-7", source: "\(s001), miner item 7", status: "met", evidence: [CheckEvidence("pool_since", pool.name, pool.since.description)]))
        } else {
            items.append(
                CheckItem(
                    id: "001-miner-7", source: "\(s001), miner item 7", status: "not_met",
                    evidence: [CheckEvidence("no_pool_on", today.description)]))
        }
        // Licence.
        if let l = op.licence, l.date <= today {
            items.append(CheckItem(id: "002-licence", source: s002, status: "met", evidence: [CheckEvidence("licence", l.number, l.date.description)]))
        } else {
            items.append(
                CheckItem(id: "002-licence", source: s002, status: "not_met", evidence: [CheckEvidence("no_licence", today.description)]))
        }
        // 002, requirement 4: a change of pool notified within 2 working days.
        let sorted = op.pools.sorted { $0.since < $1.since }
        let changes = sorted.dropFirst().filter { $0.since <= today }
        if changes.isEmpty {
            items.append(
                CheckItem(
                    id: "002-req-4", source: "\(s002), requirement 4", status: sorted.isEmpty ? "cannot_tell" : "met",
                    evidence: [CheckEvidence(sorted.isEmpty ? "no_pool" : "no_pool_change")]))
        } else {
            var evidence: [CheckEvidence] = []
            var all = true
            for p in changes {
                let key = ReportingPeriod.event(.poolChange, on: p.since).key
                let docs = try sources.store.documents(kind: DocumentKind.poolChange.rawValue, period: key)
                if let d = docs.last {
                    evidence.append(
                        CheckEvidence("pool_change_notified", p.name, p.since.description, sources.calendar.iso8601(d.createdMs)))
                } else {
                    all = false
                    evidence.append(CheckEvidence("pool_change_not_notified", p.name, p.since.description))
                }
            }
            items.append(CheckItem(id: "002-req-4", source: "\(s002), requirement 4", status: all ? "met" : "not_met", evidence: evidence))
        }
        // 002, requirement 5: ASKUE meters configured and healthy, with their completeness.
        let health = try sources.health ?? sources.store.health()
        let byDevice = Dictionary(health.map { ($0.device, $0) }, uniquingKeysWith: { a, _ in a })
        func polledRecently(_ id: String, intervalMs: Int) -> (Bool, CheckEvidence) {
            guard let h = byDevice[id], let last = h.lastSuccessMs else { return (false, CheckEvidence("never_polled", id)) }
            let fresh = sources.nowMs - last <= max(Int64(intervalMs) * 5, 60_000)
            let at = sources.calendar.iso8601(last)
            return (
                fresh,
                h.consecutiveFailures > 0
                    ? CheckEvidence("last_poll_failing", id, at, String(h.consecutiveFailures)) : CheckEvidence("last_poll", id, at)
            )
        }
        let q = Quarter(containing: period.start)
        let totals = try sources.model.quarter(q)
        let meters = site.meters.filter { $0.role == .main }
        if meters.isEmpty {
            items.append(CheckItem(id: "002-req-5-askue", source: "\(s002), requirement 5", status: "not_met", evidence: [CheckEvidence("no_main_meter")]))
        } else {
            var ok = true
            var evidence: [CheckEvidence] = []
            for m in meters {
                let (fresh, poll) = polledRecently(m.id, intervalMs: m.pollIntervalMs)
                let completeness = totals?.meters.first { $0.id == m.id }?.completeness ?? 0
                if !fresh || completeness < 0.95 { ok = false }
                evidence.append(poll)
                evidence.append(CheckEvidence("completeness", m.id, q.description, String(format: "%.2f", completeness * 100)))
            }
            items.append(CheckItem(id: "002-req-5-askue", source: "\(s002), requirement 5", status: ok ? "met" : "not_met", evidence: evidence))
        }
        // SAON present and polled.
        if site.saon.isEmpty {
            items.append(
                CheckItem(id: "002-req-5-saon", source: "\(s002), requirement 5", status: "not_met", evidence: [CheckEvidence("no_saon")]))
        } else {
            var ok = true
            var evidence: [CheckEvidence] = []
            for s in site.saon {
                let (fresh, poll) = polledRecently(s.id, intervalMs: s.pollIntervalMs)
                ok = ok && fresh
                evidence.append(poll)
            }
            items.append(CheckItem(id: "002-req-5-saon", source: "\(s002), requirement 5", status: ok ? "met" : "not_met", evidence: evidence))
        }
        // Telecom: the grid operator's pull of snapshots.
        let pullers = site.api.tokens.filter { $0.scopes.contains(.snapshotRead) }.map(\.name)
        items.append(
            CheckItem(
                id: "002-req-5-telecom", source: "\(s002), requirement 5", status: pullers.isEmpty ? "not_met" : "met",
                evidence: pullers.isEmpty
                    ? [CheckEvidence("no_snapshot_token")] : [CheckEvidence("snapshot_tokens", site.api.listen, pullers.joined(separator: ", "))]))
        for item in unevidencedItems {
            items.append(CheckItem(id: item.id, source: item.source, status: "cannot_tell", evidence: [CheckEvidence("not_evidenced")]))
        }
        var summary = JSONObject()
        for status in ["met", "not_met", "cannot_tell"] { summary.add(status, .int(items.filter { $0.status == status }.count)) }
        let list: [JSONValue] = items.map { i in
            .object([
                ("id", .string(i.id)), ("source", .string(i.source)), ("status", .string(i.status)),
                ("evidence", .array(i.evidence.map(\.json))),
            ])
        }
        return [("checklist", .object([("quarter", .string(q.description)), ("items", .array(list)), ("summary", summary.value)]))]
    }
}
