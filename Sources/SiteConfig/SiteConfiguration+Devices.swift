public import Metering

/// What every polled device has, meter or SAON controller: the poller's view.
public struct DeviceConfig: Sendable, Hashable {
    /// Meter or SAON controller (the profile's kind).
    public var kind: DeviceProfile.Kind
    public var id: String
    /// The ``GatewayConfig/id`` the device is reached through.
    public var gateway: String
    public var unitId: Int
    /// The resolved profile (channel filter and SAON map applied).
    public var profile: DeviceProfile
    public var pollIntervalMs: Int
    /// The register cap the read planner uses (see ``MeterConfig/maxRegistersPerRead``).
    public var maxRegistersPerRead: Int

    public init(_ meter: MeterConfig) {
        kind = .meter
        id = meter.id
        gateway = meter.gateway
        unitId = meter.unitId
        profile = meter.profile
        pollIntervalMs = meter.pollIntervalMs
        maxRegistersPerRead = meter.maxRegistersPerRead
    }

    public init(_ saon: SAONConfig) {
        kind = .saon
        id = saon.id
        gateway = saon.gateway
        unitId = saon.unitId
        profile = saon.profile
        pollIntervalMs = saon.pollIntervalMs
        maxRegistersPerRead = saon.maxRegistersPerRead
    }

    public var pollInterval: Duration { .milliseconds(pollIntervalMs) }
}

extension SiteConfiguration {
    /// Every device to poll: the meters, then the SAON controllers, each in file order.
    public var devices: [DeviceConfig] { meters.map(DeviceConfig.init) + saon.map(DeviceConfig.init) }
}
