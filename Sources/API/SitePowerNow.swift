public import SiteConfig
public import Store

/// The site's power now, exactly as `/v1/snapshot` computes it (`site_power_w`): the running
/// writer's committed values when ingest runs, else the store's `latest` table.
public enum SitePowerNow {
    /// Σ sign × total active power over the counted meters with a fresh reading, W, and whether
    /// every counted meter had one. Blocks on a store read: call it off the cooperative pool.
    public static func read(
        site: SiteConfiguration, store: SampleStore, ingest: (any IngestStatusSource)?, nowMs: Int64
    ) throws -> (watts: Double, complete: Bool) {
        let (values, live) = try SiteReader(store: store, site: site, status: ingest).latestByDeviceAndSource()
        return Snapshot.sitePower(site: site, values: values, nowMs: nowMs, live: live)
    }
}
