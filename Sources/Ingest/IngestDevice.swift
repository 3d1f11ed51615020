import Metering
import Modbus
import SiteConfig
import Store

/// A Modbus endpoint (host:port) and how esep talks to it.
public struct EndpointSpec: Sendable, Hashable, CustomStringConvertible {
    /// The gateway id from the config.
    public var gateway: String
    public var host: String
    public var port: Int
    public var timeouts: ModbusTimeouts
    /// Connections esep opens to the endpoint (libmodbus is synchronous: one request in flight each).
    public var connections: Int
    /// Least time between two connection attempts on one connection.
    public var reconnectMinIntervalMs: Int64

    public init(
        gateway: String, host: String, port: Int, timeouts: ModbusTimeouts = ModbusTimeouts(), connections: Int = 1,
        reconnectMinIntervalMs: Int64 = 1000
    ) {
        self.gateway = gateway
        self.host = host
        self.port = port
        self.timeouts = timeouts
        self.connections = connections
        self.reconnectMinIntervalMs = reconnectMinIntervalMs
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// One device to poll: where it is, what to read, how often.
public struct IngestDevice: Sendable, Hashable {
    public var record: DeviceRecord
    public var endpoint: EndpointSpec
    public var unitId: UInt8
    /// The profile with only the fields the site wants.
    public var profile: DeviceProfile
    public var pollIntervalMs: Int
    /// The largest register read for this device (gateway, profile and device caps combined).
    public var maxRegistersPerRead: Int
    /// Rated active power, W (checks counter jumps), when configured.
    public var ratedPowerW: Double?
    /// The meter's config, for a meter from a site configuration: its counter options come from
    /// ``SiteConfig/MeterConfig/counterOptions(_:timeScale:)``, as the read model's do.
    public var meter: MeterConfig?

    public init(
        record: DeviceRecord, endpoint: EndpointSpec, unitId: UInt8, profile: DeviceProfile, pollIntervalMs: Int,
        maxRegistersPerRead: Int = 125
    ) {
        self.record = record
        self.endpoint = endpoint
        self.unitId = unitId
        self.profile = profile
        self.pollIntervalMs = pollIntervalMs
        self.maxRegistersPerRead = maxRegistersPerRead
    }

    public var id: String { record.name }

    /// Whether this is a SAON controller.
    public var isSAON: Bool { profile.kind == .saon }

    /// The channels stored for it: its profile's, and for a SAON controller its link state
    /// (``Metering/ChannelKind/saonLink``), which the poller writes.
    public var storedChannels: [ChannelName] {
        profile.fields.map(\.channel) + (isSAON ? [ChannelName(.saonLink)] : [])
    }

    /// How each energy channel's counter series is judged.
    /// - Parameter timeScale: clock milliseconds per real millisecond (``IngestClock/rate``): the
    ///   measured-gap limit is 3 poll intervals in the time samples are stamped in.
    public func counterOptions(_ field: RegisterField, timeScale: Double = 1) -> CounterOptions {
        if let options = meter?.counterOptions(field.channel, timeScale: timeScale) { return options }
        return CounterOptions(
            register: field, ratedPowerW: ratedPowerW, pollIntervalMs: Int64((Double(pollIntervalMs) * timeScale).rounded()))
    }

    /// The initial read plan.
    public func plan(holeFill: Int) -> [PlannedRead] {
        ReadPlanner.plan(fields: profile.fields, maxRegisters: maxRegistersPerRead, holeFill: holeFill)
    }
}

extension SiteConfiguration {
    /// Every meter and SAON controller as an ``IngestDevice``.
    public func ingestDevices() -> [IngestDevice] {
        var endpoints: [String: EndpointSpec] = [:]
        for g in gateways {
            endpoints[g.id] = EndpointSpec(
                gateway: g.id, host: g.host, port: g.port,
                timeouts: ModbusTimeouts(connect: g.connectTimeout, response: g.responseTimeout, byte: g.byteTimeout),
                connections: g.maxInFlight, reconnectMinIntervalMs: Int64(g.reconnectMinIntervalMs))
        }
        var devices: [IngestDevice] = []
        for m in meters {
            guard let e = endpoints[m.gateway] else { continue }
            devices.append(
                IngestDevice(
                    record: DeviceRecord(
                        name: m.id, kind: "meter", profile: m.profile.name, gateway: m.gateway, unitId: m.unitId,
                        role: m.role.rawValue, feeder: m.feeder, sign: m.sign),
                    endpoint: e, unitId: UInt8(m.unitId), profile: m.profile, pollIntervalMs: m.pollIntervalMs,
                    maxRegistersPerRead: m.maxRegistersPerRead))
            devices[devices.count - 1].ratedPowerW = m.ratedPowerKW.map { $0 * 1000 }
            devices[devices.count - 1].meter = m
        }
        for s in saon {
            guard let e = endpoints[s.gateway] else { continue }
            devices.append(
                IngestDevice(
                    record: DeviceRecord(
                        name: s.id, kind: "saon", profile: s.profile.name, gateway: s.gateway, unitId: s.unitId,
                        role: "saon", feeder: "", sign: 0),
                    endpoint: e, unitId: UInt8(s.unitId), profile: s.profile, pollIntervalMs: s.pollIntervalMs,
                    maxRegistersPerRead: s.maxRegistersPerRead))
        }
        return devices
    }
}
