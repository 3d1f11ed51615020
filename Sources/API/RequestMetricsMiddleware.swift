import CoreMetrics
import Dispatch
import Hummingbird
import Synchronization

/// Request metrics: requests and errors by route, method and status, the time to produce each
/// response, and the requests in flight.
///
/// Hummingbird's own `MetricsMiddleware` stops its timer after the body is written, by wrapping
/// every body in a closure; that turns a buffered body into a streamed one and costs Hummingbird's
/// single write of head, body and end (measured: three writes and a flush each per snapshot
/// request). This one records when the handler has returned the response: for a buffered body
/// the whole handling time, for a streamed body (intervals) the time until streaming starts.
/// The metric names are Hummingbird's.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext

    final class Cache: Sendable {
        struct Key: Hashable {
            var route: String
            var method: HTTPRequest.Method
            var status: Int
        }

        struct Metrics: Sendable {
            let requests: Counter
            let duration: Timer
            let errors: Counter
        }

        let active = Meter(label: "http.server.active_requests")
        private let metrics = Mutex<[Key: Metrics]>([:])

        func metrics(_ key: Key) -> Metrics {
            metrics.withLock { all in
                if let m = all[key] { return m }
                let dimensions = [
                    ("http.route", key.route), ("http.request.method", key.method.rawValue),
                    ("http.response.status_code", String(key.status)),
                ]
                let m = Metrics(
                    requests: Counter(label: "hb.requests", dimensions: dimensions),
                    duration: Timer(label: "http.server.request.duration", dimensions: dimensions, preferredDisplayUnit: .seconds),
                    errors: Counter(
                        label: "hb.request.errors",
                        dimensions: [
                            ("http.route", key.route), ("http.request.method", key.method.rawValue),
                            ("error.type", String(key.status)),
                        ]))
                all[key] = m
                return m
            }
        }
    }

    let cache = Cache()

    func handle(
        _ request: Request, context: APIRequestContext,
        next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        cache.active.increment()
        defer { cache.active.decrement() }
        do {
            let response = try await next(request, context)
            let m = cache.metrics(
                .init(route: context.endpointPath ?? "Unknown", method: request.method, status: response.status.code))
            m.requests.increment()
            m.duration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start))
            if response.status.code >= 500 { m.errors.increment() }
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            let m = cache.metrics(.init(route: context.endpointPath ?? "NotFound", method: request.method, status: status))
            m.requests.increment()
            m.errors.increment()
            throw error
        }
    }
}
