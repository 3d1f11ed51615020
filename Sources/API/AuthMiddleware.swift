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

    let verifier: TokenVerifier
    let limiter: RateLimiter
    let openOnLoopback: Bool

    func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        let principal: APIPrincipal
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw APIProblem.unauthorized("the Authorization header must be 'Bearer <token>'")
            }
            guard let p = verifier.verify(parts[1].trimmingCharacters(in: .whitespaces)) else {
                throw APIProblem.invalidToken("unknown or revoked token")
            }
            principal = p
        } else if openOnLoopback, context.isLoopback {
            principal = .loopback
        } else {
            throw APIProblem.unauthorized("a bearer token is required: send 'Authorization: Bearer <token>'")
        }
        if let wait = limiter.take(principal.name) {
            let seconds = wait.components.seconds + (wait.components.attoseconds > 0 ? 1 : 0)
            throw APIProblem.rateLimited(retryAfterSeconds: Int(max(1, seconds)))
        }
        context.principal = principal
        return try await next(request, context)
    }
}
