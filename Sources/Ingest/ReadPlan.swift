import Metering

/// One Modbus read of a device: a contiguous window of one table and the fields decoded from it.
public struct PlannedRead: Sendable, Hashable, CustomStringConvertible {
    public var space: RegisterSpace
    public var address: Int
    public var count: Int
    /// Fields inside the window, by address.
    public var fields: [RegisterField]

    public init(space: RegisterSpace, address: Int, count: Int, fields: [RegisterField]) {
        self.space = space
        self.address = address
        self.count = count
        self.fields = fields
    }

    public var lastAddress: Int { address + count - 1 }

    /// `FC04 0…75 (76)`.
    public var description: String {
        "FC0\(space.readFunctionCode) \(address)…\(lastAddress) (\(count)): "
            + fields.map(\.channel.description).joined(separator: ", ")
    }

    /// Splits the read in two at the widest gap between its fields (or in the middle of them),
    /// for a device that refused it. Nil when it holds a single field.
    public func split() -> (PlannedRead, PlannedRead)? {
        guard fields.count > 1 else { return nil }
        var cut = fields.count / 2
        var widest = -1
        for i in 1..<fields.count {
            let gap = fields[i].address - fields[i - 1].lastAddress - 1
            if gap > widest || (gap == widest && abs(i - fields.count / 2) < abs(cut - fields.count / 2)) {
                widest = gap
                cut = i
            }
        }
        if widest <= 0 { cut = fields.count / 2 }
        return (PlannedRead.covering(Array(fields[..<cut])), PlannedRead.covering(Array(fields[cut...])))
    }

    /// The smallest read that covers the given fields (all of one table).
    public static func covering(_ fields: [RegisterField]) -> PlannedRead {
        let start = fields.map(\.address).min() ?? 0
        let end = fields.map(\.lastAddress).max() ?? start
        return PlannedRead(space: fields[0].space, address: start, count: end - start + 1, fields: fields)
    }
}

/// Merges a device's fields into as few reads as possible.
public enum ReadPlanner {
    /// Plans the reads for `fields`.
    ///
    /// Fields of the same table are merged while the window stays within `maxRegisters`
    /// (125 registers, or the lower cap of the gateway or the profile; 2000 for bits) and
    /// the hole between neighbours is at most `holeFill` addresses.
    /// - Parameters:
    ///   - fields: the fields the site wants from the device.
    ///   - maxRegisters: the largest register read allowed (1…125).
    ///   - holeFill: unused addresses a read may span to join two fields.
    public static func plan(fields: [RegisterField], maxRegisters: Int = 125, holeFill: Int = 8) -> [PlannedRead] {
        var reads: [PlannedRead] = []
        for space in RegisterSpace.allCases {
            let cap = space.isBitSpace ? space.maxReadCount : max(1, min(maxRegisters, 125))
            var group: [RegisterField] = []
            var start = 0
            var end = -1
            for field in fields.filter({ $0.space == space }).sorted(by: { $0.address < $1.address }) {
                if !group.isEmpty, field.address - end - 1 <= holeFill, max(end, field.lastAddress) - start + 1 <= cap {
                    group.append(field)
                    end = max(end, field.lastAddress)
                } else {
                    if !group.isEmpty { reads.append(PlannedRead(space: space, address: start, count: end - start + 1, fields: group)) }
                    group = [field]
                    start = field.address
                    end = field.lastAddress
                }
            }
            if !group.isEmpty { reads.append(PlannedRead(space: space, address: start, count: end - start + 1, fields: group)) }
        }
        return reads
    }
}
