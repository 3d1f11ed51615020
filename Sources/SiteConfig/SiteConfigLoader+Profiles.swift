import Metering

/// A `[[profiles]]` entry as decoded, with where it was written.
struct CustomProfile {
    var profile: DeviceProfile
    var path: ConfigPath
}

/// `[[profiles]]` and `[[profiles.fields]]`: a site's own device profiles.
extension ConfigDecoder {
    static let profileKeys = [
        "name", "title", "source", "kind", "max_registers_per_read", "space", "order", "not_available", "fields",
    ]
    static let fieldKeys = [
        "channel", "address", "register", "space", "type", "order", "scale", "scale_pow10", "unit", "bit",
        "not_available",
    ]

    static let spaceChoices: [(String, RegisterSpace)] = [
        ("holding", .holdingRegisters), ("input", .inputRegisters), ("coil", .coils), ("discrete", .discreteInputs),
    ]
    static let orderChoices: [(String, WordOrder)] = WordOrder.allCases.map { ($0.rawValue, $0) }
    static let typeChoices: [(String, DataType)] = DataType.allCases.map { ($0.rawValue, $0) }
    static let unitChoices: [(String, MeasurementUnit)] = MeasurementUnit.allCases.map { ($0.rawValue, $0) }
    static let kindChoices: [(String, DeviceProfile.Kind)] = [("meter", .meter), ("saon", .saon)]

    /// The `not_available` spellings.
    enum NotAvailable: String, CaseIterable {
        case none
        case allOnes = "all-ones"
        case nan
    }
    static let notAvailableChoices: [(String, NotAvailable)] = NotAvailable.allCases.map { ($0.rawValue, $0) }

    /// Ids of gateways, devices and profiles: `[A-Za-z0-9_.-]+`.
    static func isValidIdentifier(_ s: String) -> Bool {
        !s.isEmpty
            && s.utf8.allSatisfy { c in
                (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                    || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_")
                    || c == UInt8(ascii: ".") || c == UInt8(ascii: "-")
            }
    }

    /// A required identifier: non-empty, `[A-Za-z0-9_.-]+`.
    func identifier(_ t: TableReader, _ key: String) -> String? {
        guard let s = t.requiredString(key) else { return nil }
        guard ConfigDecoder.isValidIdentifier(s) else {
            error(t.path.appending(key), "'\(s)' may contain only letters, digits, '_', '.' and '-'")
            return nil
        }
        return s
    }

    func decodeProfiles(_ root: TableReader) -> [String: CustomProfile] {
        var profiles: [String: CustomProfile] = [:]
        for (_, t) in root.tables("profiles", keys: ConfigDecoder.profileKeys) {
            let name = identifier(t, "name")
            if let name {
                if DeviceProfile.builtIn[name] != nil {
                    error(
                        t.path.appending("name"),
                        "'\(name)' is a built-in profile; give the site's profile another name")
                } else if let first = profiles[name] {
                    error(t.path.appending("name"), "profile name '\(name)' is already used by \(first.path)")
                }
            }
            let kind = t.choice("kind", ConfigDecoder.kindChoices) ?? .meter
            let maxRegisters = t.int("max_registers_per_read", in: 1...125)
            let defaults = FieldDefaults(
                space: t.choice("space", ConfigDecoder.spaceChoices) ?? .holdingRegisters,
                order: t.choice("order", ConfigDecoder.orderChoices) ?? .abcd,
                notAvailable: t.choice("not_available", ConfigDecoder.notAvailableChoices) ?? .none)
            let fieldTables = t.tables("fields", keys: ConfigDecoder.fieldKeys)
            if !t.has("fields") {
                error(t.path.appending("fields"), "a profile needs at least one [[profiles.fields]]")
            }
            var fields: [RegisterField] = []
            var fieldPaths: [ChannelName: ConfigPath] = [:]
            for (_, f) in fieldTables {
                guard let field = decodeField(f, kind: kind, defaults: defaults) else { continue }
                if let first = fieldPaths[field.channel] {
                    error(f.path.appending("channel"), "channel '\(field.channel)' is already defined by \(first)")
                    continue
                }
                fieldPaths[field.channel] = f.path
                fields.append(field)
            }
            let profile = DeviceProfile(
                name: name ?? "", title: t.string("title") ?? name ?? "", kind: kind, source: t.string("source") ?? "",
                maxRegistersPerRead: maxRegisters, fields: fields)
            for (a, b) in profile.overlappingFields() {
                guard let pa = fieldPaths[a.channel], let pb = fieldPaths[b.channel] else { continue }
                // Report at the field written later, naming the earlier one.
                let (later, laterPath, earlier, earlierPath) =
                    fieldIndex(pa) < fieldIndex(pb) ? (b, pb, a, pa) : (a, pa, b, pb)
                error(
                    laterPath.appending("address"),
                    "\(ConfigDecoder.location(of: later)) of '\(later.channel)' overlap "
                        + "\(ConfigDecoder.location(of: earlier)) of '\(earlier.channel)' (\(earlierPath))")
            }
            if let name, DeviceProfile.builtIn[name] == nil, profiles[name] == nil {
                profiles[name] = CustomProfile(profile: profile, path: t.path)
            }
        }
        return profiles
    }

    private func fieldIndex(_ path: ConfigPath) -> Int {
        if case .index(let i) = path.components.last { return i }
        return 0
    }

    /// `holding registers 3204…3207`, `discrete input 10`.
    static func location(of field: RegisterField) -> String {
        let table: String
        switch field.space {
        case .holdingRegisters: table = "holding register"
        case .inputRegisters: table = "input register"
        case .coils: table = "coil"
        case .discreteInputs: table = "discrete input"
        }
        if field.width == 1 {
            return field.type == .bit && !field.space.isBitSpace
                ? "\(table) \(field.address) bit \(field.bit)" : "\(table) \(field.address)"
        }
        return "\(table)s \(field.address)…\(field.lastAddress)"
    }

    struct FieldDefaults {
        var space: RegisterSpace
        var order: WordOrder
        var notAvailable: NotAvailable
    }

    func decodeField(_ f: TableReader, kind: DeviceProfile.Kind, defaults: FieldDefaults) -> RegisterField? {
        let channel = decodeChannel(f, kind: kind)
        let address = f.requiredInt("address", in: 0...65535)
        let documented: String?
        switch f.entries["register"] {
        case .string(let s): documented = s
        case .integer(let n): documented = String(n)
        case .some(let other):
            f.typeError("register", expected: "a string or an integer", found: other)
            documented = nil
        case .none: documented = nil
        }
        let space = f.choice("space", ConfigDecoder.spaceChoices) ?? defaults.space
        var type: DataType?
        if f.has("type") {
            type = f.choice("type", ConfigDecoder.typeChoices)
        } else {
            f.missing("type")
        }
        if let t = type {
            if space.isBitSpace && t != .bit {
                error(f.path.appending("type"), "fields in the \(space.rawValue) table must have type = 'bit'")
                type = nil
            } else if let channel, channel.kind.isCumulativeEnergy && t == .bit {
                error(f.path.appending("type"), "an energy channel cannot have type 'bit'")
                type = nil
            }
        }
        let order = f.choice("order", ConfigDecoder.orderChoices) ?? defaults.order
        let scale = decodeScale(f)
        let unit = decodeUnit(f, channel: channel)
        var bit = 0
        if f.has("bit") {
            if let type, type != .bit || space.isBitSpace {
                error(f.path.appending("bit"), "bit applies only to type = 'bit' in a holding or input register")
            } else {
                bit = f.int("bit", in: 0...15) ?? 0
            }
        }
        var notAvailable = defaults.notAvailable
        if let own = f.choice("not_available", ConfigDecoder.notAvailableChoices) {
            if own == .nan, let type, !type.isFloat {
                error(f.path.appending("not_available"), "'nan' applies only to f32 and f64 fields")
            }
            notAvailable = own
        }
        if let address, let type {
            let last = address + (space.isBitSpace ? 1 : type.registerCount) - 1
            if last > 65535 {
                error(
                    f.path.appending("address"),
                    "the \(type.rawValue) field at \(address) ends at \(last), beyond the last address 65535")
                return nil
            }
        }
        guard let channel, let address, let type, let unit else { return nil }
        var field = RegisterField(
            channel, space: space, address: address, documented: documented, type: type, order: order,
            scale: scale, unit: unit, bit: bit)
        if type != .bit {
            switch notAvailable {
            case .none: break
            case .allOnes: field.sentinels = [field.allOnes]
            case .nan:
                // Profile-wide 'nan' concerns float fields only; NaN always decodes as missing anyway.
                if type == .f32 { field.sentinels = [UInt64(Float.nan.bitPattern)] }
                if type == .f64 { field.sentinels = [Double.nan.bitPattern] }
            }
        }
        return field
    }

    func decodeChannel(_ f: TableReader, kind: DeviceProfile.Kind) -> ChannelName? {
        guard let text = f.requiredString("channel") else { return nil }
        let path = f.path.appending("channel")
        guard let channel = ChannelName(text) else {
            let base = text.split(separator: ".").first.map(String.init) ?? text
            if let k = ChannelKind(rawValue: base), k.isIndexed {
                error(path, "'\(base)' needs a number from 1, e.g. '\(base).1'")
            } else if let k = ChannelKind(rawValue: base) {
                error(path, "'\(k.rawValue)' takes no number")
            } else {
                var message = "unknown channel '\(text)'"
                if let m = closestMatch(to: base, in: ChannelKind.allCases.map(\.rawValue)) {
                    message += "; did you mean '\(m)'?"
                }
                error(path, message)
            }
            return nil
        }
        let isMeterChannel = ChannelKind.meterKinds.contains(channel.kind)
        if kind == .meter && !isMeterChannel {
            error(path, "'\(text)' is a SAON channel, but this profile's kind is 'meter'")
            return nil
        }
        if kind == .saon && isMeterChannel {
            error(path, "'\(text)' is a meter channel, but this profile's kind is 'saon'")
            return nil
        }
        if channel.kind == .saonLink {
            error(path, "'link' is not a register: esep writes it itself when a controller stops or starts answering")
            return nil
        }
        return channel
    }

    func decodeScale(_ f: TableReader) -> Scale {
        let factor = f.double("scale")
        let exponent = f.int("scale_pow10", in: -9...9)
        if f.has("scale") && f.has("scale_pow10") {
            error(f.path.appending("scale_pow10"), "give either scale or scale_pow10, not both")
            return .one
        }
        if let exponent { return .powerOfTen(exponent) }
        if let factor {
            guard factor.isFinite, factor != 0 else {
                error(f.path.appending("scale"), "must be a finite number other than 0, found \(factor)")
                return .one
            }
            return Scale(factor: factor)
        }
        return .one
    }

    /// The field's unit, checked against the channel: energy needs Wh/kWh/MWh, power W/kW, and so on.
    func decodeUnit(_ f: TableReader, channel: ChannelName?) -> MeasurementUnit? {
        let given = f.choice("unit", ConfigDecoder.unitChoices)
        if f.has("unit") && given == nil { return nil }
        guard let channel else { return given ?? MeasurementUnit.none }
        let allowed = ConfigDecoder.units(for: channel.kind)
        guard let unit = given else {
            if channel.kind.isCumulativeEnergy {
                error(f.path.appending("unit"), "an energy channel needs a unit: 'Wh', 'kWh' or 'MWh'")
                return nil
            }
            return channel.kind.canonicalUnit
        }
        guard allowed.contains(unit) else {
            let names = allowed.map { "'\($0.rawValue)'" }.joined(separator: " or ")
            error(
                f.path.appending("unit"), "unit '\(unit.rawValue)' does not fit channel '\(channel)'; expected \(names)"
            )
            return nil
        }
        return unit
    }

    static func units(for kind: ChannelKind) -> [MeasurementUnit] {
        switch kind {
        case .energyImport, .energyExport: [.wattHour, .kilowattHour, .megawattHour]
        case .powerTotal, .powerL1, .powerL2, .powerL3: [.watt, .kilowatt]
        case .voltageL1, .voltageL2, .voltageL3: [.volt]
        case .currentL1, .currentL2, .currentL3: [.ampere]
        case .frequency: [.hertz]
        default: [.none]
        }
    }
}
