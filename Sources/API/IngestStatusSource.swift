public import Store

/// The live state of ingest, for `/readyz` and device health in the snapshot.
///
/// The executable adapts the ingest pipeline's health board to it; without one the API
/// reads the health the writer last flushed to the store and reports ingest as not running.
public protocol IngestStatusSource: Sendable {
    /// Every device's polling health now.
    func deviceHealth() -> [DeviceHealth]
    /// True while the pollers run.
    var isPolling: Bool { get }
}
