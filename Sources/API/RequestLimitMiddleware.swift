import Foundation
import Hummingbird
import Logging
import Synchronization

/// Caps the requests handled at once (503 with `Retry-After: 1` beyond it) and refuses request
/// bodies larger than the configured size (413), by `Content-Length` before reading a byte.
struct RequestLimitMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    /// Requests in flight by client address.
    final class PerAddress: Sendable {
        let counts = Mutex<[String: Int]>([:])

        /// Takes a slot for `address` unless it holds `limit`; false when it does.
        func acquire(_ address: String, limit: Int) -> Bool {
            counts.withLock { c in
                let n = c[address, default: 0]
                guard n < limit else { return false }
                c[address] = n + 1
                return true
            }
        }

        func release(_ address: String) {
            counts.withLock { c in
                let n = c[address, default: 1] - 1
                c[address] = n > 0 ? n : nil
            }
        }
    }

    /// The limits now (a reload replaces them).
    let settings: APISettings
    let connections: ConnectionTable
    let inFlight = Counter()
    let perAddress = PerAddress()

    func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        let limits = settings.current.configuration
        let maxBodyBytes = limits.maxRequestBodyBytes
        let maxConcurrent = limits.maxConcurrentRequests
        let maxPerAddress = limits.maxRequestsPerAddress
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes {
            throw APIProblem(
                status: .contentTooLarge, code: "body_too_large",
                message: "request bodies are limited to \(maxBodyBytes) bytes")
        }
        let now = inFlight.value.wrappingAdd(1, ordering: .relaxed).newValue
        defer { inFlight.value.wrappingSubtract(1, ordering: .relaxed) }
        guard now <= maxConcurrent else { throw APIProblem.overloaded() }
        // One address may not take every request slot; reserved addresses are not held to it.
        guard let address = context.remoteAddress?.ipAddress, !connections.isReserved(address) else {
            return try await next(request, context)
        }
        guard perAddress.acquire(address, limit: maxPerAddress) else {
            throw APIProblem.overloaded("this address has \(maxPerAddress) requests in flight (api.max_requests_per_address)")
        }
        defer { perAddress.release(address) }
        return try await next(request, context)
    }
}

/// Turns every error into a JSON body: ``APIProblem`` as it is, Hummingbird's `HTTPError`
/// (unknown path, wrong method) into the same shape, anything else into 500 (logged).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as APIProblem {
            return problem.response()
        } catch let error as any HTTPResponseError {
            let status = error.status
            let code: String
            let message: String
            switch status {
            case .notFound:
                // A path that exists, asked with a method it does not serve: 405 with Allow.
                if let allowed = APIRoute.methods(servingPath: request.uri.path) {
                    let allow = allowed.joined(separator: ", ")
                    return APIProblem(
                        status: .methodNotAllowed, code: "method_not_allowed",
                        message: "\(request.method) is not allowed on \(request.uri.path); allowed: \(allow)",
                        headers: [.allow: allow]
                    ).response()
                }
                code = "not_found"
                message = "no such resource: \(request.uri.path)"
            case .methodNotAllowed:
                code = "method_not_allowed"
                message = "\(request.method) is not allowed on \(request.uri.path)"
            default:
                code = status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
                message = status.reasonPhrase
            }
            var problem = APIProblem(status: status, code: code, message: message)
            if let e = error as? HTTPError { problem.headers = e.headers }
            return problem.response()
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return APIProblem(status: .internalServerError, code: "internal_error", message: "internal error")
                .response()
        }
    }
}
