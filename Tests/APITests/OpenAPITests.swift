import API
import Foundation
import Hummingbird
import HummingbirdTesting
import SiteConfig
import Testing

/// `openapi.yaml` is committed beside the sources, embedded into the binary and served; these
/// tests keep the three the same and the document true to the routes.
@Suite struct OpenAPITests {
    static let yamlPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/API/openapi.yaml").standardized.path

    /// `GET /path` → the document's `x-esep-scopes` line for it.
    static func documentedOperations(_ yaml: String) -> [String: String] {
        var out: [String: String] = [:]
        var inPaths = false
        var path: String? = nil
        var operation: String? = nil
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, !line.hasPrefix(" "), !line.isEmpty { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":"), let path {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
                if ["GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS"].contains(method) {
                    operation = "\(method) \(path)"
                    out[operation!] = "(none)"
                }
            } else if line.hasPrefix("      x-esep-scopes:"), let operation {
                out[operation] = line.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return out
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws {
        let yaml = try String(contentsOfFile: Self.yamlPath, encoding: .utf8)
        let documented = Self.documentedOperations(yaml)
        let f = try Fixture()
        let registered = Set(try f.server().registeredRoutes)
        #expect(registered.count == APIRoute.all.count)
        #expect(registered == Set(APIRoute.all.map(\.description)))
        #expect(Set(documented.keys) == registered, "only in yaml: \(Set(documented.keys).subtracting(registered)), only in router: \(registered.subtracting(documented.keys))")
        for route in APIRoute.all {
            let expected = route.scopes.map { "[" + $0.map(\.rawValue).sorted().joined(separator: ", ") + "]" } ?? "null"
            let written = documented[route.description].map { s in
                s.hasPrefix("[") ? "[" + s.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.sorted().joined(separator: ", ") + "]" : s
            }
            #expect(written == expected, "x-esep-scopes of \(route)")
        }
    }

    @Test func servedDocumentIsTheCommittedFile() async throws {
        let yaml = try String(contentsOfFile: Self.yamlPath, encoding: .utf8)
        let f = try Fixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let r = try await client.get("/openapi.yaml", token: Tokens.grid)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("application/yaml") == true)
            #expect(r.text == yaml, "the served document is not Sources/API/openapi.yaml")
        }
    }
}
