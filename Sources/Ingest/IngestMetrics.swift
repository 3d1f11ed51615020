import Metrics

/// The ingest pipeline's swift-metrics instruments (exported over HTTP by the API's
/// Prometheus endpoint once a metrics backend is bootstrapped; no-ops otherwise).
public struct IngestMetrics: Sendable {
    let pollsOK = Counter(label: "esep_polls_total", dimensions: [("result", "ok")])
    let pollsFailed = Counter(label: "esep_polls_total", dimensions: [("result", "error")])
    let pollSkipped = Counter(label: "esep_polls_skipped_total")
    /// Reads that failed and were tried again in the same poll.
    let readRetries = Counter(label: "esep_read_retries_total")
    /// Reads refused twice with an exception in a poll whose other reads were still made.
    let readsFailed = Counter(label: "esep_reads_failed_total")
    let overruns = Counter(label: "esep_poll_overruns_total")
    let pollDuration = Timer(label: "esep_poll_duration_seconds")
    let ringDepth = Gauge(label: "esep_ring_depth")
    /// Samples lost, by cause: `ring_full` (a poller's ring was full) or `store_unwritable`
    /// (held when the daemon stopped with a store that refused writes).
    let dropped = Counter(label: "esep_samples_dropped_total", dimensions: [("cause", "ring_full")])
    let droppedStore = Counter(label: "esep_samples_dropped_total", dimensions: [("cause", "store_unwritable")])
    /// 1 while the store takes writes, 0 while the writer holds samples it cannot store.
    let storeWritable = Gauge(label: "esep_store_writable")
    let batchSize = Recorder(label: "esep_batch_size")
    let commitDuration = Timer(label: "esep_commit_duration_seconds")
    let stored = Counter(label: "esep_samples_stored_total")
    let devicesDown = Gauge(label: "esep_devices_down")
    let planSplits = Counter(label: "esep_plan_splits_total")
    let chunksSealed = Counter(label: "esep_chunks_sealed_total")

    public init() {}

    /// A counter of poll errors of one kind (the ModbusError code: timeout, illegalDataAddress, …).
    func errors(_ kind: String) -> Counter { Counter(label: "esep_poll_errors_total", dimensions: [("kind", kind)]) }
    /// Failed polls by gateway and kind (`esep_gateway_errors_total{gateway,kind}`).
    func gatewayErrors(_ gateway: String, _ kind: String) -> Counter {
        Counter(label: "esep_gateway_errors_total", dimensions: [("gateway", gateway), ("kind", kind)])
    }
}
