import CoreMetrics
public import Prometheus

/// The Prometheus registry `GET /metrics` exports.
///
/// ``bootstrap()`` makes swift-metrics record into it, so every metric the process creates
/// (ingest's `esep_*`, Hummingbird's request metrics) appears at `/metrics`.
public struct APIMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    /// Bootstraps swift-metrics with a Prometheus factory over a new registry and returns it.
    /// Call once per process, before any metric is created (before the ingest pipeline).
    public static func bootstrap() -> APIMetrics {
        let metrics = APIMetrics()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
        return metrics
    }

    /// The Prometheus text exposition of every registered metric.
    func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 * 1024)
        registry.emit(into: &buffer)
        return buffer
    }
}
