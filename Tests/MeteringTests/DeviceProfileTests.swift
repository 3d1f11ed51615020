import Testing

@testable import Metering

@Suite("Built-in device profiles")
struct DeviceProfileTests {
    static let profiles = DeviceProfile.builtIn.values.sorted { $0.name < $1.name }

    @Test func theBuiltInSet() {
        #expect(
            DeviceProfile.builtIn.keys.sorted() == ["abb-b2x", "em24e1", "iem3000", "pac3200", "saon", "sdm630", "umg96rme"])
        #expect(DeviceProfile.builtInMeterNames == ["abb-b2x", "em24e1", "iem3000", "pac3200", "sdm630", "umg96rme"])
        for (name, profile) in DeviceProfile.builtIn { #expect(profile.name == name) }
    }

    @Test("no overlapping fields", arguments: profiles.map(\.name))
    func noOverlaps(_ name: String) throws {
        let profile = try #require(DeviceProfile.builtIn[name])
        let overlaps = profile.overlappingFields().map { "\($0.0.channel) / \($0.1.channel)" }
        #expect(overlaps.isEmpty, "\(overlaps)")
        #expect(Set(profile.fields.map(\.channel)).count == profile.fields.count, "a channel is mapped twice")
    }

    @Test("overlap detection itself finds a real overlap")
    func overlapDetection() {
        let p = DeviceProfile(
            name: "bad", title: "bad",
            fields: [
                RegisterField(ChannelName(.voltageL1), space: .holdingRegisters, address: 10, type: .f32),
                RegisterField(ChannelName(.voltageL2), space: .holdingRegisters, address: 11, type: .f32),
                RegisterField(ChannelName(.voltageL3), space: .inputRegisters, address: 11, type: .f32),
            ])
        #expect(p.overlappingFields().count == 1)
    }

    @Test("meters map import and export energy in an energy unit, decoded as integer Wh", arguments: profiles.filter { $0.kind == .meter }.map(\.name))
    func energyChannels(_ name: String) throws {
        let profile = try #require(DeviceProfile.builtIn[name])
        for kind in [ChannelKind.energyImport, .energyExport] {
            let f = try #require(profile.field(ChannelName(kind)), "\(name) lacks \(kind)")
            #expect(f.unit.isEnergy, "\(name) \(kind) unit \(f.unit)")
            #expect(!f.space.isBitSpace && f.type != .bit)
            var registers = [UInt16](repeating: 0, count: f.type.registerCount)
            registers.withUnsafeMutableBufferPointer { f.write(.energy(1_234_000), into: $0, imageStart: f.address) }
            #expect(decode(registers, f) == .energy(1_234_000), "\(name) \(kind)")
        }
    }

    @Test("addresses, bits and units fit", arguments: profiles.map(\.name))
    func fieldsFit(_ name: String) throws {
        let profile = try #require(DeviceProfile.builtIn[name])
        for f in profile.fields {
            #expect(f.address >= 0 && f.lastAddress <= 0xFFFF, "\(name) \(f.channel) at \(f.address)")
            #expect((0..<16).contains(f.bit), "\(name) \(f.channel) bit \(f.bit)")
            #expect(!f.space.isBitSpace || f.type == .bit, "\(name) \(f.channel): coils and discrete inputs are bits")
            for s in f.sentinels { #expect(s & ~f.allOnes == 0, "\(name) \(f.channel) sentinel wider than the field") }
            // The unit is the channel's canonical one or a decimal multiple of it.
            let canonical = f.channel.kind.canonicalUnit
            let family: Set<MeasurementUnit> =
                switch canonical {
                case .wattHour: [.wattHour, .kilowattHour, .megawattHour]
                case .watt: [.watt, .kilowatt]
                default: [canonical]
                }
            #expect(family.contains(f.unit), "\(name) \(f.channel) unit \(f.unit)")
        }
    }

    @Test("every meter channel round-trips a plausible value", arguments: profiles.map(\.name))
    func plausibleValues(_ name: String) throws {
        let profile = try #require(DeviceProfile.builtIn[name])
        for f in profile.fields {
            let value: SampleValue =
                switch f.channel.kind {
                case .energyImport, .energyExport: .energy(98_765_000)
                case .voltageL1, .voltageL2, .voltageL3: .number(230.5)
                case .currentL1, .currentL2, .currentL3: .number(12.25)
                case .powerTotal, .powerL1, .powerL2, .powerL3: .number(-12_500)
                case .frequency: .number(50)
                case .powerFactor: .number(-0.5)
                case .saonEventCounter: .number(7)
                default: .number(1)
                }
            if f.space.isBitSpace {
                let bits: [UInt8] = [1]
                #expect(bits.withUnsafeBufferPointer { f.decode(bits: $0, windowStart: f.address) } == value)
                continue
            }
            // An unsigned register can't hold a negative power.
            let expected: SampleValue =
                if case .number(let v) = value, v < 0, !f.type.isSigned, !f.type.isFloat { .number(-v) } else { value }
            var registers = [UInt16](repeating: 0, count: f.type.registerCount)
            registers.withUnsafeMutableBufferPointer { f.write(expected, into: $0, imageStart: f.address) }
            #expect(decode(registers, f) == expected, "\(name) \(f.channel)")
            // All zero registers are a value (0), never missing.
            let zeros = [UInt16](repeating: 0, count: f.type.registerCount)
            #expect(decode(zeros, f) != .missing, "\(name) \(f.channel)")
        }
    }

    /// The documented register number beside each address, per the vendor's numbering.
    @Test("the documented register is kept beside the PDU address", arguments: profiles.map(\.name))
    func documentedRegister(_ name: String) throws {
        let profile = try #require(DeviceProfile.builtIn[name])
        for f in profile.fields {
            let doc = f.documentedRegister
            let number: Int? =
                switch name {
                case "sdm630": Int(doc).map { $0 - 30001 }  // 3xxxx, 30001 = PDU 0
                case "iem3000": Int(doc).map { $0 - 1 }  // 1-based
                case "pac3200": doc.hasPrefix("offset ") ? Int(doc.dropFirst(7)) : nil
                case "umg96rme": Int(doc)
                case "em24e1": doc.hasPrefix("0x") ? Int(doc.dropFirst(2), radix: 16) : nil
                case "abb-b2x": doc.hasSuffix("h") ? Int(doc.dropLast(), radix: 16) : nil
                case "saon": Int(doc.split(separator: " ").last ?? "")
                default: nil
                }
            #expect(number == f.address, "\(name) \(f.channel): documented \(doc), address \(f.address)")
        }
    }

    @Test func vendorRegisterNumbers() throws {
        func doc(_ p: DeviceProfile, _ k: ChannelKind) throws -> String {
            try #require(p.field(ChannelName(k))).documentedRegister
        }
        #expect(try doc(.sdm630, .energyImport) == "30073")
        #expect(try doc(.sdm630, .frequency) == "30071")
        #expect(try doc(.iem3000, .energyImport) == "3204")
        #expect(try doc(.iem3000, .currentL1) == "3000")
        #expect(try doc(.abbB2x, .energyImport) == "5000h")
        #expect(try doc(.em24e1, .energyImport) == "0x34")
        #expect(try doc(.pac3200, .energyImport) == "offset 801")
        #expect(DeviceProfile.sdm630.field(ChannelName(.energyImport))?.address == 0x48)
        #expect(DeviceProfile.iem3000.field(ChannelName(.energyImport))?.address == 3203)
    }

    @Test func saonProfileShape() {
        let p = DeviceProfile.saonProfile(stages: 8, feeders: 16)
        #expect(p.kind == .saon)
        #expect(p.field(ChannelName(.saonStageTripped, index: 8))?.address == 17)
        #expect(p.field(ChannelName(.saonFeederOpen, index: 16))?.address == 35)
        #expect(p.overlappingFields().isEmpty)
    }
}
