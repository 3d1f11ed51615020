extension DeviceProfile {
    /// Every built-in profile, by config name.
    public static let builtIn: [String: DeviceProfile] = {
        var all: [String: DeviceProfile] = [:]
        for p in [sdm630, iem3000, pac3200, umg96rme, em24e1, abbB2x, saon] { all[p.name] = p }
        return all
    }()

    /// Built-in meter profile names, sorted.
    public static var builtInMeterNames: [String] {
        builtIn.values.filter { $0.kind == .meter }.map(\.name).sorted()
    }

    /// Eastron SDM630 (Modbus protocol v1.5): FC04 input registers, float32 big-endian.
    /// Documentation numbers are 3xxxx (30001 = PDU 0). Some units reject reads over 50
    /// registers; the poller splits and remembers (issue 3), or set `max_registers_per_read`.
    public static let sdm630: DeviceProfile = {
        func f(_ c: ChannelKind, _ a: Int, _ u: MeasurementUnit) -> RegisterField {
            RegisterField(
                ChannelName(c), space: .inputRegisters, address: a, documented: String(30001 + a),
                type: .f32, order: .abcd, unit: u, sentinels: [0x7FC0_0000])
        }
        return DeviceProfile(
            name: "sdm630", title: "Eastron SDM630",
            source: "Eastron SDM630 Modbus Protocol v1.5, input registers 30001-30076",
            fields: [
                f(.voltageL1, 0x00, .volt), f(.voltageL2, 0x02, .volt), f(.voltageL3, 0x04, .volt),
                f(.currentL1, 0x06, .ampere), f(.currentL2, 0x08, .ampere), f(.currentL3, 0x0A, .ampere),
                f(.powerL1, 0x0C, .watt), f(.powerL2, 0x0E, .watt), f(.powerL3, 0x10, .watt),
                f(.powerTotal, 0x34, .watt), f(.powerFactor, 0x3E, .none), f(.frequency, 0x46, .hertz),
                f(.energyImport, 0x48, .kilowattHour), f(.energyExport, 0x4A, .kilowattHour),
            ])
    }()

    /// Schneider Electric iEM3xxx / PM5xxx: FC03 holding registers. The manual numbers
    /// registers from 1 (register 3000 = PDU 2999). Float32 NaN (0x7FC00000) and
    /// int64 0x8000000000000000 mean "not available".
    public static let iem3000: DeviceProfile = {
        func f(_ c: ChannelKind, _ doc: Int, _ u: MeasurementUnit) -> RegisterField {
            RegisterField(
                ChannelName(c), space: .holdingRegisters, address: doc - 1, documented: String(doc),
                type: .f32, order: .abcd, unit: u, sentinels: [0x7FC0_0000])
        }
        func e(_ c: ChannelKind, _ doc: Int) -> RegisterField {
            RegisterField(
                ChannelName(c), space: .holdingRegisters, address: doc - 1, documented: String(doc),
                type: .i64, order: .abcd, unit: .wattHour, sentinels: [0x8000_0000_0000_0000])
        }
        return DeviceProfile(
            name: "iem3000", title: "Schneider Electric iEM3xxx / PM5xxx",
            source: "Schneider iEM3100/3200/3300 series user manual, Modbus register list (registers are 1-based)",
            fields: [
                f(.currentL1, 3000, .ampere), f(.currentL2, 3002, .ampere), f(.currentL3, 3004, .ampere),
                f(.voltageL1, 3028, .volt), f(.voltageL2, 3030, .volt), f(.voltageL3, 3032, .volt),
                f(.powerL1, 3054, .kilowatt), f(.powerL2, 3056, .kilowatt), f(.powerL3, 3058, .kilowatt),
                f(.powerTotal, 3060, .kilowatt), f(.frequency, 3110, .hertz),
                e(.energyImport, 3204), e(.energyExport, 3208),
            ])
    }()

    /// Siemens SENTRON PAC3200 / PAC2200: FC03, float32 measurements and float64 energy
    /// counters in Wh. The manual's "offset" is the PDU address.
    public static let pac3200: DeviceProfile = {
        func f(_ c: ChannelKind, _ a: Int, _ u: MeasurementUnit) -> RegisterField {
            RegisterField(
                ChannelName(c), space: .holdingRegisters, address: a, documented: "offset \(a)",
                type: .f32, order: .abcd, unit: u)
        }
        func e(_ c: ChannelKind, _ a: Int) -> RegisterField {
            RegisterField(
                ChannelName(c), space: .holdingRegisters, address: a, documented: "offset \(a)",
                type: .f64, order: .abcd, unit: .wattHour)
        }
        return DeviceProfile(
            name: "pac3200", title: "Siemens SENTRON PAC3200 / PAC2200",
            source: "SENTRON PAC3200 system manual, Modbus measured variables (offsets 1-69, 801-812)",
            fields: [
                f(.voltageL1, 1, .volt), f(.voltageL2, 3, .volt), f(.voltageL3, 5, .volt),
                f(.currentL1, 13, .ampere), f(.currentL2, 15, .ampere), f(.currentL3, 17, .ampere),
                f(.powerL1, 25, .watt), f(.powerL2, 27, .watt), f(.powerL3, 29, .watt),
                f(.frequency, 55, .hertz), f(.powerTotal, 65, .watt), f(.powerFactor, 69, .none),
                e(.energyImport, 801), e(.energyExport, 809),
            ])
    }()

    /// Janitza UMG 96RM-E: FC03 float32; energy counters in Wh.
    public static let umg96rme: DeviceProfile = {
        func f(_ c: ChannelKind, _ a: Int, _ u: MeasurementUnit) -> RegisterField {
            RegisterField(
                ChannelName(c), space: .holdingRegisters, address: a, documented: String(a),
                type: .f32, order: .abcd, unit: u)
        }
        return DeviceProfile(
            name: "umg96rme", title: "Janitza UMG 96RM-E",
            source: "Janitza UMG 96RM-E Modbus address list (frequently requested values)",
            fields: [
                f(.frequency, 800, .hertz),
                f(.voltageL1, 808, .volt), f(.voltageL2, 810, .volt), f(.voltageL3, 812, .volt),
                f(.currentL1, 860, .ampere), f(.currentL2, 862, .ampere), f(.currentL3, 864, .ampere),
                f(.powerL1, 868, .watt), f(.powerL2, 870, .watt), f(.powerL3, 872, .watt),
                f(.powerTotal, 874, .watt),
                f(.energyImport, 19068, .wattHour), f(.energyExport, 19076, .wattHour),
            ])
    }()

    /// Carlo Gavazzi EM24-E1: FC04, int32 with the least significant word first (CDAB).
    public static let em24e1: DeviceProfile = {
        func f(
            _ c: ChannelKind, _ a: Int, _ t: DataType = .i32, e: Int, _ u: MeasurementUnit
        ) -> RegisterField {
            RegisterField(
                ChannelName(c), space: .inputRegisters, address: a,
                documented: "0x" + String(a, radix: 16, uppercase: true),
                type: t, order: .cdab, scale: .powerOfTen(e), unit: u)
        }
        return DeviceProfile(
            name: "em24e1", title: "Carlo Gavazzi EM24-E1",
            source: "Carlo Gavazzi EM24 communication protocol, instantaneous variables and meters (hex addresses)",
            fields: [
                f(.voltageL1, 0x00, e: -1, .volt), f(.voltageL2, 0x02, e: -1, .volt), f(.voltageL3, 0x04, e: -1, .volt),
                f(.currentL1, 0x0C, e: -3, .ampere), f(.currentL2, 0x0E, e: -3, .ampere),
                f(.currentL3, 0x10, e: -3, .ampere),
                f(.powerL1, 0x12, e: -1, .watt), f(.powerL2, 0x14, e: -1, .watt), f(.powerL3, 0x16, e: -1, .watt),
                f(.powerTotal, 0x28, e: -1, .watt),
                f(.powerFactor, 0x31, .i16, e: -3, .none), f(.frequency, 0x33, .i16, e: -1, .hertz),
                f(.energyImport, 0x34, e: -1, .kilowattHour), f(.energyExport, 0x4E, e: -1, .kilowattHour),
            ])
    }()

    /// ABB B21/B23/B24 (B2x): FC03, big-endian. All-FF means not available for unsigned
    /// values, 0x7FF…F for signed ones (ABB B-series manual, "Invalid values").
    public static let abbB2x: DeviceProfile = {
        func f(_ c: ChannelKind, _ a: Int, _ t: DataType, _ e: Int, _ u: MeasurementUnit) -> RegisterField {
            var field = RegisterField(
                ChannelName(c), space: .holdingRegisters, address: a,
                documented: String(a, radix: 16, uppercase: true) + "h",
                type: t, order: .abcd, scale: .powerOfTen(e), unit: u)
            field.sentinels = t.isSigned ? [field.allOnes >> 1] : [field.allOnes]
            return field
        }
        return DeviceProfile(
            name: "abb-b2x", title: "ABB B2x (B21, B23, B24)",
            source: "ABB B-series energy meters user manual, Modbus mapping tables 5000h-5B3Ah",
            fields: [
                f(.energyImport, 0x5000, .u64, -2, .kilowattHour), f(.energyExport, 0x5004, .u64, -2, .kilowattHour),
                f(.voltageL1, 0x5B00, .u32, -1, .volt), f(.voltageL2, 0x5B02, .u32, -1, .volt),
                f(.voltageL3, 0x5B04, .u32, -1, .volt),
                f(.currentL1, 0x5B0C, .u32, -2, .ampere), f(.currentL2, 0x5B0E, .u32, -2, .ampere),
                f(.currentL3, 0x5B10, .u32, -2, .ampere),
                f(.powerTotal, 0x5B14, .i32, -2, .watt), f(.powerL1, 0x5B16, .i32, -2, .watt),
                f(.powerL2, 0x5B18, .i32, -2, .watt), f(.powerL3, 0x5B1A, .i32, -2, .watt),
                f(.frequency, 0x5B2C, .u16, -2, .hertz), f(.powerFactor, 0x5B3A, .i16, -3, .none),
            ])
    }()

    /// A SAON (special load-shedding automation) controller, default map. A site maps its
    /// own addresses in the config (`[[saon]]` … `[saon.map]`).
    ///
    /// Discrete inputs: 0 armed, 1 command received, 2 test mode, 10+s−1 stage s tripped
    /// (s = 1…8), 20+f−1 feeder f breaker open (f = 1…16). Holding register 0: event counter.
    public static let saon: DeviceProfile = saonProfile(stages: 4, feeders: 8)

    /// The default SAON map with the given number of stages and feeders.
    public static func saonProfile(stages: Int, feeders: Int) -> DeviceProfile {
        func d(_ c: ChannelName, _ a: Int) -> RegisterField {
            RegisterField(c, space: .discreteInputs, address: a, documented: "DI \(a)", type: .bit)
        }
        var fields = [
            d(ChannelName(.saonArmed), 0), d(ChannelName(.saonCommandReceived), 1), d(ChannelName(.saonTestMode), 2),
        ]
        for s in 1...max(1, stages) { fields.append(d(ChannelName(.saonStageTripped, index: s), 10 + s - 1)) }
        for f in 1...max(1, feeders) { fields.append(d(ChannelName(.saonFeederOpen, index: f), 20 + f - 1)) }
        fields.append(
            RegisterField(
                ChannelName(.saonEventCounter), space: .holdingRegisters, address: 0, documented: "HR 0",
                type: .u16))
        return DeviceProfile(
            name: "saon", title: "SAON load-shedding controller (esep default map)", kind: .saon,
            source: "esep default map; seed 002_a3d5801c8847d993.txt, requirement 5", fields: fields)
    }
}
