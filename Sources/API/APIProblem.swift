import Foundation
import Hummingbird
import SiteConfig

/// An error a request ends with, answered as a JSON body:
///
/// ```json
/// {"error": {"status": 400, "code": "bad_parameter", "parameter": "from", "message": "…"}}
/// ```
///
/// Thrown by handlers and middleware; ``ErrorMiddleware`` turns it (and Hummingbird's own
/// `HTTPError`s, such as 404 for an unknown path) into the response.
struct APIProblem: Error, Sendable {
    var status: HTTPResponse.Status
    /// A stable machine-readable code: `bad_parameter`, `unauthorized`, `forbidden`, ….
    var code: String
    var message: String
    /// The query or path parameter a 400 is about.
    var parameter: String?
    /// The scopes any one of which would have been enough (403).
    var requiredScopes: [String]?
    /// Seconds to wait before trying again (429, 503).
    var retryAfterSeconds: Int?
    /// Where a request body is wrong (a purchase schedule's rows): line, column and what (400, 422).
    var problems: [BodyProblem]? = nil
    var headers: HTTPFields = [:]

    /// One thing wrong in a request body: its line and column (number and name) and what.
    struct BodyProblem: Encodable, Sendable {
        var line: Int
        var column: Int
        var columnName: String
        var message: String
    }

    static func badParameter(_ name: String, _ message: String) -> APIProblem {
        APIProblem(status: .badRequest, code: "bad_parameter", message: message, parameter: name)
    }

    static func notFound(_ message: String) -> APIProblem {
        APIProblem(status: .notFound, code: "not_found", message: message)
    }

    static func unauthorized(_ message: String) -> APIProblem {
        APIProblem(
            status: .unauthorized, code: "unauthorized", message: message,
            headers: [.wwwAuthenticate: #"Bearer realm="esep""#])
    }

    static func invalidToken(_ message: String) -> APIProblem {
        APIProblem(
            status: .unauthorized, code: "unauthorized", message: message,
            headers: [.wwwAuthenticate: #"Bearer realm="esep", error="invalid_token""#])
    }

    static func forbidden(_ scopes: Set<APIScope>) -> APIProblem {
        let names = scopes.sorted().map(\.rawValue)
        return APIProblem(
            status: .forbidden, code: "forbidden",
            message: "this token lacks the scope " + names.joined(separator: " or ") + " (admin grants every scope)",
            requiredScopes: names)
    }

    static func rateLimited(retryAfterSeconds: Int, message: String = "too many requests for this token") -> APIProblem {
        APIProblem(
            status: .tooManyRequests, code: "rate_limited",
            message: "\(message); retry after \(retryAfterSeconds) s",
            retryAfterSeconds: retryAfterSeconds, headers: [.retryAfter: String(retryAfterSeconds)])
    }

    static func overloaded(_ message: String = "the server is handling too many requests") -> APIProblem {
        APIProblem(
            status: .serviceUnavailable, code: "overloaded", message: message,
            retryAfterSeconds: 1, headers: [.retryAfter: "1"])
    }

    static func notYetAvailable(_ what: String) -> APIProblem {
        APIProblem(
            status: .notImplemented, code: "not_yet_available",
            message: "\(what) are not yet available in this version of esep")
    }

    /// The JSON response.
    func response() -> Response {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        let body = Body(
            error: .init(
                status: Int(status.code), code: code, message: message, parameter: parameter,
                requiredScopes: requiredScopes, retryAfterS: retryAfterSeconds, problems: problems))
        let data = (try? JSONCoding.encoder.encode(body)) ?? Data()
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            var status: Int
            var code: String
            var message: String
            var parameter: String?
            var requiredScopes: [String]?
            var retryAfterS: Int?
            var problems: [BodyProblem]?
        }
        var error: Detail
    }
}

/// The one JSON encoder setup: snake_case keys, sorted, nil fields omitted.
enum JSONCoding {
    static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}
