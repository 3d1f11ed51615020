/// A device's register map: which channels it offers, where, and how they are encoded.
public struct DeviceProfile: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case meter
        case saon
    }

    /// The name the config and the simulator use (`sdm630`, `saon`, or a site's own).
    public var name: String
    /// A human title, e.g. "Eastron SDM630".
    public var title: String
    public var kind: Kind
    /// Where the map comes from, and what to verify against the vendor manual.
    public var source: String
    /// The most registers the device accepts in one read, when lower than 125.
    public var maxRegistersPerRead: Int?
    public var fields: [RegisterField]

    public init(
        name: String, title: String, kind: Kind = .meter, source: String = "",
        maxRegistersPerRead: Int? = nil, fields: [RegisterField]
    ) {
        self.name = name
        self.title = title
        self.kind = kind
        self.source = source
        self.maxRegistersPerRead = maxRegistersPerRead
        self.fields = fields
    }

    /// The field that feeds `channel`, if the profile has one.
    public func field(_ channel: ChannelName) -> RegisterField? {
        fields.first { $0.channel == channel }
    }

    /// Pairs of fields in the same table whose addresses overlap (a mistake in a custom profile).
    /// Bit fields of one register may share it.
    public func overlappingFields() -> [(RegisterField, RegisterField)] {
        var result: [(RegisterField, RegisterField)] = []
        let sorted = fields.sorted { ($0.space.rawValue, $0.address) < ($1.space.rawValue, $1.address) }
        for (i, a) in sorted.enumerated() {
            for b in sorted[(i + 1)...] {
                guard a.space == b.space, b.address <= a.lastAddress else { continue }
                if a.type == .bit && b.type == .bit && a.address == b.address && a.bit != b.bit { continue }
                result.append((a, b))
            }
        }
        return result
    }
}
