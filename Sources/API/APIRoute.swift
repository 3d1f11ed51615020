public import SiteConfig

/// One route of the API and who may call it: the table the router is built from, and that
/// the OpenAPI test checks `openapi.yaml` against.
public struct APIRoute: Sendable, Hashable, CustomStringConvertible {
    /// `GET`, `PUT`.
    public var method: String
    /// The path with `{parameter}` placeholders, as OpenAPI writes it.
    public var path: String
    /// nil: open to anyone. Empty: any authenticated client. Otherwise any one of these.
    public var scopes: Set<APIScope>?

    public var description: String { "\(method) \(path)" }

    /// Every route, in the order they are registered.
    public static let all: [APIRoute] = [
        APIRoute(method: "GET", path: "/", scopes: nil),
        APIRoute(method: "GET", path: "/healthz", scopes: nil),
        APIRoute(method: "GET", path: "/readyz", scopes: nil),
        APIRoute(method: "GET", path: "/openapi.yaml", scopes: []),
        APIRoute(method: "GET", path: "/metrics", scopes: [.metricsRead]),
        APIRoute(method: "GET", path: "/v1/snapshot", scopes: [.snapshotRead]),
        APIRoute(method: "GET", path: "/v1/meters", scopes: [.snapshotRead, .dataRead]),
        APIRoute(method: "GET", path: "/v1/meters/{id}", scopes: [.snapshotRead, .dataRead]),
        APIRoute(method: "GET", path: "/v1/meters/{id}/intervals", scopes: [.dataRead]),
        APIRoute(method: "GET", path: "/v1/site/intervals", scopes: [.dataRead]),
        APIRoute(method: "GET", path: "/v1/site/power", scopes: [.snapshotRead, .dataRead]),
        APIRoute(method: "GET", path: "/v1/site/quarters/{quarter}", scopes: [.dataRead, .reportsRead]),
        APIRoute(method: "GET", path: "/v1/events", scopes: [.dataRead]),
        APIRoute(method: "GET", path: "/v1/deadlines", scopes: [.reportsRead]),
        APIRoute(method: "GET", path: "/v1/reports/{kind}", scopes: [.reportsRead]),
        APIRoute(method: "GET", path: "/v1/schedule/{date}", scopes: [.dataRead, .reportsRead]),
        APIRoute(method: "GET", path: "/v1/saon/trips", scopes: [.dataRead, .reportsRead]),
        APIRoute(method: "GET", path: "/v1/saon/trips/{id}", scopes: [.dataRead, .reportsRead]),
        APIRoute(method: "PUT", path: "/v1/schedule/{date}", scopes: [.admin]),
    ]

    /// The methods served on a concrete request path (`/v1/meters/M001` matches
    /// `/v1/meters/{id}`); nil when no route has that path.
    static func methods(servingPath path: String) -> [String]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        let methods = all.filter { route in
            let template = route.path.split(separator: "/", omittingEmptySubsequences: false)
            return template.count == segments.count
                && zip(template, segments).allSatisfy { t, s in t.hasPrefix("{") ? !s.isEmpty : t == s }
        }.map(\.method)
        return methods.isEmpty ? nil : Array(Set(methods)).sorted()
    }

    static func named(_ method: String, _ path: String) -> APIRoute {
        guard let r = all.first(where: { $0.method == method && $0.path == path }) else {
            preconditionFailure("route \(method) \(path) is not in APIRoute.all")
        }
        return r
    }
}
