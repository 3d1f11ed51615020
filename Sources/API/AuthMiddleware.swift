import Foundation
import Hummingbird

/// Authenticates every request it sees (routes registered after it), then applies the
/// per-token rate limit.
///
/// `Authorization: Bearer <token>` is checked by ``TokenVerifier``. With
/// ``APIConfiguration/openOnLoopback`` a loopback client without an `Authorization` header
/// is let in as ``APIPrincipal/loopback``; a loopback client that sends a token is judged by
/// it. Missing or unknown tokens: 401 with `WWW-Authenticate: Bearer`. Over the limit: 429
/// with `Retry-After`. Scopes are checked by each route (403).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    /// Tokens, the per-token rate limit and the failed-authentication budget per client address
    /// (once spent, the address gets 429 for every request until it refills, so tokens cannot be
    /// tried at speed): the current ones, which a reload replaces.
    let settings: APISettings

    func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        let current = settings.current
        let failures = current.failures
        let limiter = current.limiter
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        if let wait = failures.check(client) {
            throw APIProblem.rateLimited(
                retryAfterSeconds: Self.seconds(wait), message: "too many requests with a missing or wrong token from \(client)")
        }
        let principal: APIPrincipal
        do {
            principal = try authenticate(request, context, verifier: current.verifier, openOnLoopback: current.configuration.openOnLoopback)
        } catch {
            _ = failures.take(client)
            throw error
        }
        if let wait = limiter.take(principal.name) {
            throw APIProblem.rateLimited(retryAfterSeconds: Self.seconds(wait))
        }
        context.principal = principal
        return try await next(request, context)
    }

    private func authenticate(
        _ request: Request, _ context: APIRequestContext, verifier: TokenVerifier, openOnLoopback: Bool
    ) throws(APIProblem) -> APIPrincipal {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].utf8.count == 6, parts[0].lowercased() == "bearer" else {
                throw APIProblem.unauthorized("the Authorization header must be 'Bearer <token>'")
            }
            guard let p = verifier.verify(parts[1].trimmingCharacters(in: .whitespaces)) else {
                throw APIProblem.invalidToken("unknown or revoked token")
            }
            return p
        } else if openOnLoopback, context.isLoopback {
            return .loopback
        } else {
            throw APIProblem.unauthorized("a bearer token is required: send 'Authorization: Bearer <token>'")
        }
    }

    /// Whole seconds for `Retry-After`, rounded up, at least 1.
    static func seconds(_ wait: Duration) -> Int {
        Int(max(1, wait.components.seconds + (wait.components.attoseconds > 0 ? 1 : 0)))
    }
}
