import API
import Compliance
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Metering
import SiteConfig
import Store
import Testing

/// `GET /v1/reports/{kind}`: documents built by Compliance, recorded, and shown on the deadlines.
@Suite struct ReportRouteTests {
    @Test func buildsRecordsAndMarksTheDeadline() async throws {
        let f = try Fixture()
        var site = f.site
        site.operatorDetails = .demo(meters: ["M1"])
        site.fee = FeeSection(maxPowerMW: "1", licenceNumber: "KZ-DM-1", licenceDate: "2024-02-01")
        let now = f.nowMs
        let model = EnergyReadModel(store: f.store, site: site, now: { now })
        let sources = DocumentSources(site: site, model: model)
        let quarter = Quarter(containing: model.calendar.localDate(at: now))
        try await f.server(documents: sources).makeApplication().test(.live) { client async throws in
            let r = try await client.get("/v1/reports/fee?period=\(quarter)")
            #expect(r.status == .ok, "\(r.text)")
            let body = try r.json
            let document = try #require(body["document"] as? [String: Any])
            #expect(document["kind"] as? String == "fee")
            let sha = try #require(r.headers[HTTPField.Name("X-Esep-Content-SHA256")!])
            let integrity = try #require(body["integrity"] as? [String: Any])
            #expect(integrity["content_sha256"] as? String == sha)
            let recorded = try f.store.documents(kind: "fee")
            #expect(recorded.map(\.requestedBy) == ["api:site-ops"])
            #expect(recorded.first?.contentSHA256 == sha)

            let html = try await client.get("/v1/reports/quarterly-notice?period=\(quarter)&format=html&lang=kk")
            #expect(html.status == .ok)
            #expect(html.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(html.text.contains("210340001239"))
            #expect(html.text.contains("<html lang=\"kk\""))
            let csv = try await client.get("/v1/reports/fee?period=\(quarter)&format=csv")
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.text.hasPrefix("object,location,client_name"))

            // The quarter's fee declaration now shows as generated, with the path of its document.
            let due = try await client.get("/v1/deadlines?from=\(quarter.next.firstDay)&to=\(quarter.next.next.firstDay)")
            let deadlines = try #require(try due.json["deadlines"] as? [[String: Any]])
            let declaration = try #require(deadlines.first { $0["document_id"] as? String == "fee_declaration" })
            #expect(declaration["generated"] as? Bool == true)
            #expect(declaration["report"] as? String == "/v1/reports/fee?period=\(quarter)")
            let payment = try #require(deadlines.first { $0["document_id"] as? String == "fee_payment" })
            #expect(payment["generated"] is NSNull)

            for (uri, status, parameter) in [
                ("/v1/reports/fee?period=2026-13", HTTPResponse.Status.badRequest, "period"),
                ("/v1/reports/fee", .badRequest, "period"),
                ("/v1/reports/fee?period=\(quarter)&lang=de", .badRequest, "lang"),
                ("/v1/reports/fee?period=\(quarter)&format=docx", .badRequest, "format"),
                ("/v1/reports/plans?period=2026-12-20", .badRequest, "period"),
                ("/v1/reports/cm1?period=2026-10", .badRequest, "kind"),
                ("/v1/reports/fee?period=2099Q1", .badRequest, "period"),
            ] {
                let bad = try await client.get(uri)
                #expect(bad.status == status, "\(uri): \(bad.text)")
                #expect(try bad.error["parameter"] as? String == parameter, "\(uri)")
            }
            let plans = try await client.get("/v1/reports/plans?period=2026-12-20")
            #expect(try (plans.error["message"] as? String)?.contains("template plans-2022") == true)
            #expect(try await client.get("/v1/reports/annual?period=2026Q1").status == .notFound)
            // reports:read (or admin) only.
            #expect(try await client.get("/v1/reports/fee?period=\(quarter)", token: Tokens.grid).status == .forbidden)
        }
        #expect(try f.store.verifyAudit().isIntact)
    }

    @Test func withoutOperatorDetailsTheAnswerSaysWhatIsMissing() async throws {
        let f = try Fixture()
        let model = EnergyReadModel(store: f.store, site: f.site, now: { [nowMs = f.nowMs] in nowMs })
        let quarter = Quarter(containing: model.calendar.localDate(at: f.nowMs))
        try await f.server(documents: DocumentSources(site: f.site, model: model)).makeApplication().test(.live) { client async throws in
            let r = try await client.get("/v1/reports/quarterly-notice?period=\(quarter)")
            #expect(r.status == .unprocessableContent)
            #expect(try (r.error["message"] as? String)?.contains("[operator]") == true, "\(r.text)")
        }
    }
}
