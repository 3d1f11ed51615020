import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /`: the dashboard page is open, self-contained, and has every element its script fills.
@Suite struct DashboardTests {
    static let ids = [
        "site-power", "site-power-note", "power-chart", "energy-chart", "energy-today", "qtd-kwh", "qtd-completeness",
        "mtd-kwh", "mtd-completeness", "meters-reporting", "meter-rows", "saon-rows", "updated", "status",
        "purchase-panel", "purchase-hour", "purchase-bought", "purchase-consumed", "purchase-projected", "purchase-margin",
        "purchase-state",
    ]

    @Test func servesTheSelfContainedPageWithoutAToken() async throws {
        let f = try Fixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let r = try await client.get("/", token: nil)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("text/html") == true)
            let page = r.text
            #expect(page.hasPrefix("<!doctype html>"))
            for id in Self.ids {
                #expect(page.contains("id=\"\(id)\""), "no element #\(id)")
                #expect(page.contains("$('\(id)')"), "the script does not fill #\(id)")
            }
            // The data requests carry the token kept in sessionStorage; nothing loads from elsewhere.
            #expect(page.contains("sessionStorage"))
            #expect(page.contains("'Authorization': 'Bearer '"))
            #expect(page.contains("/v1/snapshot"))
            #expect(page.contains("/v1/site/intervals"))
            #expect(page.contains("This hour against the purchase"))
            #expect(!page.contains("http://") || !page.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"))
            #expect(!page.contains("https://"))
            #expect(!page.contains("<script src"))
            #expect(!page.contains("<link"))
            // The page's own data route still needs the token.
            #expect(try await client.get("/v1/snapshot", token: nil).status == .unauthorized)
            #expect(try await client.get("/?x=1", token: nil).status == .badRequest)
        }
    }
}
