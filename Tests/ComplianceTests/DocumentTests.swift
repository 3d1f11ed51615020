@testable import Compliance
import Foundation
import Metering
import SiteConfig
import Store
import Testing

/// A valid 1-ЦМ distributions file for September 2026.
let septemberDistributions = """
    name,bin,licence_number,licence_date,wallet,date,asset,quantity,commission_asset,commission_quantity
    TOO Ekibastuz Digital,210340001239,KZ-DM-0001,2021-02-01,bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4,2026-09-03,BTC,0.12345678,BTC,0.00123456
    "Client A LLP",190740004565,KZ-DM-0002,2024-05-01,1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2,2026-09-17,BTC,1.5,BTC,0.015

    """

@Suite(.serialized) struct DocumentGoldenTests {
    /// Every document in every format and language against its golden file, from one fixed
    /// simulated quarter (the clock fixed, so `generated_at` and the content SHA-256 are too; the
    /// audit-chain head, which seals records stamped with the wall clock, is masked).
    @Test func everyDocumentMatchesItsGoldenFiles() async throws {
        struct Output: Sendable {
            var name: String
            var text: String
            var auditHead: String
            var contentSHA256: String
            var isHTML: Bool
        }
        let outputs = try await offPool { () throws -> [Output] in
            let f = try DocumentFixture()
            let cases: [(DocumentKind, String, String?)] = [
                (.quarterlyNotice, "2026Q3", nil), (.fee, "2026Q3", nil), (.plans, "2026-12-20", "plans-2022"),
                (.termination, "2026-09-30", "termination-2022"), (.poolChange, "2026-09-14", nil), (.checklist, "2026Q3", nil),
            ]
            var documents = try cases.map { try f.build($0.0, $0.1, template: $0.2) }
            documents.append(
                try DocumentBuilder.build(
                    DocumentRequest(
                        kind: .cm1, period: DocumentPeriodKind.month.parse("2026-09")!,
                        distributions: ("september.csv", Array(septemberDistributions.utf8))),
                    from: f.sources()))
            var out: [Output] = []
            for d in documents {
                let base = "\(d.kind.rawValue)-\(d.period.key)"
                func add(_ name: String, _ text: String, html: Bool = false) {
                    out.append(Output(name: name, text: text, auditHead: d.auditHead.hash ?? "", contentSHA256: d.contentSHA256, isHTML: html))
                }
                add("\(base).json", DocumentRenderer.json(d))
                add("\(base).csv", DocumentRenderer.csv(d))
                for language in Language.allCases {
                    let html = String(decoding: try DocumentRenderer.rendered(d, format: .html, language: language), as: UTF8.self)
                    add("\(base).\(language.rawValue).html", html, html: true)
                }
            }
            return out
        }
        #expect(outputs.count == 7 * 5)
        for o in outputs {
            try expectGolden(o.text, o.name, masks: [o.auditHead: "AUDIT_HEAD"])
            if o.isHTML {
                #expect(o.text.contains(o.contentSHA256), "\(o.name): the page does not show its content SHA-256")
                #expect(!o.text.contains("{{"), "\(o.name): an unrendered tag")
            }
        }
    }
}

@Suite struct DocumentFiguresTests {
    /// The kWh of the quarterly notice and of the fee report are the read model's quarter, to the Wh.
    @Test func theDocumentsKWhAreTheReadModelsQuarter() async throws {
        let (quarter, notice, months, fee, ru, en) = try await offPool {
            () throws -> (QuarterTotals?, GeneratedDocument, [EnergyRollup], GeneratedDocument, String, String) in
            let f = try DocumentFixture()
            let quarter = try f.model().quarter(f.quarter)
            let notice = try f.build(.quarterlyNotice, "2026Q3")
            let range = f.model().calendar.range(of: f.quarter)
            let months = try f.model().periods(meter: nil, step: .month, fromMs: range.lowerBound, toMs: range.upperBound)
            let fee = try f.build(.fee, "2026Q3")
            let ru = String(decoding: try DocumentRenderer.rendered(notice, format: .html, language: .ru), as: UTF8.self)
            let en = String(decoding: try DocumentRenderer.rendered(notice, format: .html, language: .en), as: UTF8.self)
            return (quarter, notice, months, fee, ru, en)
        }
        let totals = try #require(quarter)
        // 92 days × 288 readings × 1,000 Wh (M1) + 92 × 288 × 400 Wh (M2, its silent week carried by the counter).
        #expect(totals.siteWh == 92 * 288 * 1_400)
        #expect(notice.json["consumption"]?["wh"]?.text == String(totals.siteWh))
        #expect(notice.json["consumption"]?["kwh"]?.text == "37094.400")
        for m in totals.meters {
            let row = notice.json["consumption"]?["meters"]?.items.first { $0["id"]?.text == m.id }
            #expect(row?["wh"]?.text == m.wh.map(String.init), "meter \(m.id)")
        }
        #expect(notice.json["consumption"]?["months"]?.items.map { $0["wh"]?.text ?? "" } == months.map { String($0.wh) })
        let metered = fee.json["fee"]?["objects"]?.items.map { Int64($0["metered_wh"]?.text ?? "") ?? -1 }
        #expect(metered == [totals.siteWh])
        // The HTML shows the same figure, in each language's number format.
        #expect(ru.contains("37\u{00A0}094,400"))
        #expect(en.contains("37,094.400"))
    }

    @Test func templatesFollowTheRegimes() throws {
        let f = try DocumentFixture(days: 2, gapDays: nil)
        #expect(try f.build(.quarterlyNotice, "2026Q3").template.id == "quarterly-notice-2023")
        #expect(try f.build(.fee, "2026Q3").template.id == "fee-2026")
        // A notice of planned activity in 2026: the informing rules lapsed on 2023-06-04.
        do {
            _ = try f.build(.plans, "2026-12-20")
            Issue.record("expected a refusal")
        } catch let e as DocumentError {
            #expect(e.code == .noTemplate)
            #expect(e.message.contains("licensing"), "\(e)")
            #expect(e.message.contains("--template plans-2022"), "\(e)")
        }
        let forced = try f.build(.plans, "2026-12-20", template: "plans-2022")
        #expect(forced.forced)
        #expect(forced.json["document"]?["template"]?["forced"]?.text == "true")
        do {
            _ = try f.build(.fee, "2026Q3", template: "quarterly-notice-2022")
            Issue.record("expected a refusal")
        } catch let e as DocumentError {
            #expect(e.code == .unknownTemplate)
        }
        let old = try DocumentFixture(quarter: Quarter("2021Q2")!, days: 2, gapDays: nil)
        let notice2020 = try old.build(.quarterlyNotice, "2021Q2")
        #expect(notice2020.template.id == "quarterly-notice-2020")
        #expect(notice2020.json["consumption"]?["mw_average"] != nil)
    }
}

@Suite struct FeeReportTests {
    /// A hosting provider with two clients: one object per client, each with its own meters' kWh;
    /// client B's meter was silent for a week, so its object alone has the 25 KZT penalty on
    /// P_max × 24 h for those days (Tax Code 2026 art. 658).
    @Test func hostingProviderWithTwoClientsAndAFaultyMeterWeek() async throws {
        let d = try await offPool {
            let f = try DocumentFixture(
                config: DocumentFixture.configTOML(operator: DocumentFixture.hostingOperatorTOML, payer: "hosting_provider"))
            return try f.build(.fee, "2026Q3")
        }
        let objects = d.json["fee"]?["objects"]?.items ?? []
        #expect(objects.map { $0["client"]?["name"]?.text ?? "" } == ["Client A LLP", "Client B LLP"])
        #expect(objects.map { $0["meters"]?.items.compactMap(\.text) ?? [] } == [["M1"], ["M2"]])
        #expect(objects.map { $0["metered_wh"]?.text ?? "" } == [String(92 * 288 * 1_000), String(92 * 288 * 400)])
        let a = objects[0]
        let b = objects[1]
        #expect(a["faulty_days"]?.items.isEmpty == true)
        #expect(a["lines"]?.items.map { $0["kind"]?.text ?? "" } == ["normal"])
        // 26,496 kWh at 2 KZT/kWh.
        #expect(a["total_kzt"]?.text == "52992.00")
        let faulty = b["faulty_days"]?.items ?? []
        #expect(faulty.count == 7, "\(faulty.map { $0["date"]?.text ?? "" })")
        #expect(faulty.first?["date"]?.text == "2026-08-10")
        let penalty = b["lines"]?.items.first { $0["kind"]?.text == "penalty" }
        #expect(penalty?["basis"]?.text == "p_max_times_24h")
        #expect(penalty?["rate_kzt_per_kwh"]?.text == "25.00")
        // 0.5 MW × 24 h × 7 days = 84,000 kWh at 25 KZT.
        #expect(penalty?["kwh"]?.text == "84000.000")
        #expect(penalty?["amount_kzt"]?.text == "2100000.00")
        let normal = b["lines"]?.items.first { $0["kind"]?.text == "normal" }
        // The faulty days' metered energy leaves the normal line: 85 days × 115.2 kWh.
        #expect(normal?["kwh"]?.text == "9792.000")
        #expect(d.json["fee"]?["total_kzt"]?.text == "2172576.00")
        #expect(d.json["fee"]?["declaration_due"]?.text == "2026-11-16")
        #expect(d.json["fee"]?["payment_due"]?.text == "2026-11-25")
        let csv = DocumentRenderer.csv(d)
        #expect(csv.contains("Client B LLP,880512300451,penalty,,p_max_times_24h,84000.000,25.00,2100000.00"), "\(csv)")
    }

    /// The same site under three rate periods: 1 KZT (2022, the plata figures' template), 2 KZT
    /// (2024), 2 KZT (2026), each naming its source.
    @Test func ratePeriods() throws {
        for (q, template, rate, source) in [
            ("2022Q3", "fee-2022", "1.00", "53-VII"), ("2024Q2", "fee-2023", "2.00", "45-VIII"), ("2026Q1", "fee-2026", "2.00", "2026"),
        ] {
            let f = try DocumentFixture(quarter: Quarter(q)!, days: 3, gapDays: nil)
            let d = try f.build(.fee, q)
            #expect(d.template.id == template, "\(q)")
            let line = d.json["fee"]?["objects"]?.items.first?["lines"]?.items.first
            #expect(line?["rate_kzt_per_kwh"]?.text == rate, "\(q)")
            #expect(d.json["fee"]?["rate_period"]?["source"]?.text?.contains(source) == true, "\(q): \(d.json["fee"]?["rate_period"]?["source"]?.text ?? "")")
            // 3 days × 288 × 1,400 Wh.
            #expect(line?["kwh"]?.text == "1209.600", "\(q)")
        }
    }
}

@Suite struct DocumentRecordTests {
    /// A generated document is recorded and chained; the deadline then shows as generated.
    @Test func recordedInTheAuditChainAndMarkedOnTheDeadline() throws {
        let f = try DocumentFixture(days: 2, gapDays: nil)
        let d = try f.build(.poolChange, "2026-09-14")
        let bytes = try DocumentRenderer.rendered(d, format: .json, language: .ru)
        try f.store.recordDocument(DocumentRecord.of(d, format: .json, language: .ru, bytes: bytes, requestedBy: "test", nowMs: f.nowMs))
        let records = try f.store.documents(kind: "pool-change")
        #expect(records.map(\.period) == ["pool_change-20260914"])
        #expect(records.first?.contentSHA256 == d.contentSHA256)
        #expect(records.first?.language == nil)
        #expect(try f.store.verifyAudit().isIntact)
        let today = LocalDate("2026-09-14")!
        let deadlines = DeadlineEngine(calendar: .kazakhstan).deadlines(
            from: today, until: LocalDate("2026-10-01")!, roles: [.miner], events: [.poolChange: [today]], today: today)
        let marked = Deadline.marking(deadlines, documents: records)
        let pool = try #require(marked.first { $0.rule.documentID == "pool_change_notice" })
        #expect(pool.generated == true)
        #expect(pool.dueDate == LocalDate("2026-09-16")!)
        // Checklist: the change is notified now.
        let checklist = try f.build(.checklist, "2026Q3")
        let item = checklist.json["checklist"]?["items"]?.items.first { $0["id"]?.text == "002-req-4" }
        #expect(item?["status"]?.text == "met")
    }

    /// A corrected 1-ЦМ submission (rule 6 of `003_…`: within 10 working days of a change) says what
    /// it replaces and why, and is due 10 working days after the day it is made.
    @Test func cm1CorrectionSaysWhatItReplaces() throws {
        let f = try DocumentFixture(days: 1, gapDays: nil)
        let original = String(repeating: "ab", count: 32)
        let d = try DocumentBuilder.build(
            DocumentRequest(
                kind: .cm1, period: DocumentPeriodKind.month.parse("2026-09")!, distributions: ("sep.csv", Array(septemberDistributions.utf8)),
                correction: .init(replaces: original, reason: "row 2: quantity corrected by the pool")),
            from: f.sources())
        #expect(d.json["document"]?["correction"]?["replaces_sha256"]?.text == original)
        // Made on Mon 2026-10-05: 10 working days later is Mon 2026-10-19.
        #expect(d.json["document"]?["due"]?["date"]?.text == "2026-10-19")
        let html = String(decoding: try DocumentRenderer.rendered(d, format: .html, language: .kk), as: UTF8.self)
        #expect(html.contains(original))
        #expect(html.contains("row 2: quantity corrected by the pool"))
    }

    /// A distributions file with errors generates nothing and names every problem.
    @Test func cm1WithErrorsGeneratesNothing() throws {
        let f = try DocumentFixture(days: 1, gapDays: nil)
        let bad = septemberDistributions.replacingOccurrences(of: "190740004565", with: "190740004566")
            .replacingOccurrences(of: "2026-09-17", with: "2026-10-02")
        do {
            _ = try DocumentBuilder.build(
                DocumentRequest(kind: .cm1, period: DocumentPeriodKind.month.parse("2026-09")!, distributions: ("bad.csv", Array(bad.utf8))),
                from: f.sources())
            Issue.record("expected a refusal")
        } catch let e as DocumentError {
            #expect(e.code == .invalidInput)
            #expect(e.message.contains("bad.csv:3:2: bin:"), "\(e)")
            #expect(e.message.contains("bad.csv:3:6: date:"), "\(e)")
        }
        #expect(try f.store.documents().isEmpty)
    }
}

@Suite struct DocumentLabelTests {
    /// Every template's regime and every code of checklist evidence is said in the three languages.
    @Test func regimesAndEvidenceHaveTheirLabels() throws {
        let renderer = try DocumentRenderer()
        for language in Language.allCases {
            let t = renderer.labels(language)
            for template in DocumentTemplate.all {
                #expect(!(t["regime_\(template.id)"] ?? "").isEmpty, "\(language): regime_\(template.id)")
            }
            for code in CheckEvidence.english.keys {
                let label = t["ev_\(code)"] ?? ""
                #expect(!label.isEmpty, "\(language): ev_\(code)")
                // The same arguments in every language.
                let places = CheckEvidence.english[code]!.components(separatedBy: "{").count
                #expect(label.components(separatedBy: "{").count == places, "\(language): ev_\(code)")
            }
            // The English labels are the texts the JSON carries.
            if language == .en {
                for (code, text) in CheckEvidence.english { #expect(t["ev_\(code)"] == text, "ev_\(code)") }
            }
        }
    }
}
