import Metering

extension SiteConfiguration {
    /// The configuration esep runs with when started without a file: `meters` meters and
    /// one SAON controller behind one gateway (typically the simulator).
    ///
    /// Meters get ids `M001`, `M002`, …, unit ids 1…`meters`, feeders `F001`, `F002`, …,
    /// all main meters with sign 1 and every channel of `profile`. The SAON controller is
    /// `S001` with the default map (4 stages, 8 feeders). Everything else has its default.
    ///
    /// - Parameters:
    ///   - host: the gateway's host, e.g. `127.0.0.1`.
    ///   - port: the gateway's TCP port.
    ///   - meters: how many meters, 0…247 (0: the SAON controller only).
    ///   - profile: a built-in meter profile name (`DeviceProfile.builtInMeterNames`).
    ///   - saonUnitId: the SAON controller's unit id, 0…247, outside 1…`meters`.
    ///   - pollIntervalMs: the meters' poll interval (1000).
    ///   - storagePath: the database file (the `[storage]` default when nil).
    /// - Throws: ``ConfigError`` (file `(demo)`, line 0) when an argument is out of range.
    public static func demo(
        host: String, port: Int, meters: Int, profile: String, saonUnitId: Int, pollIntervalMs: Int = 1000,
        storagePath: String? = nil
    ) throws(ConfigError) -> SiteConfiguration {
        var problems: [ConfigDiagnostic] = []
        func problem(_ key: String, _ message: String) {
            problems.append(ConfigDiagnostic(file: demoSource, line: 0, key: key, message: message))
        }
        let meterProfile = DeviceProfile.builtIn[profile]
        if meterProfile?.kind != .meter {
            problem(
                "profile",
                "'\(profile)' is not a built-in meter profile; choose one of "
                    + DeviceProfile.builtInMeterNames.joined(separator: ", "))
        }
        if !(0...247).contains(meters) { problem("meters", "must be between 0 and 247, found \(meters)") }
        if !(0...247).contains(saonUnitId) || (meters > 0 && (1...meters).contains(saonUnitId)) {
            problem(
                "saon_unit_id", "must be between 0 and 247 and not one of the meters' 1…\(meters), found \(saonUnitId)")
        }
        if !(1...65535).contains(port) { problem("port", "must be between 1 and 65535, found \(port)") }
        if !(100...3_600_000).contains(pollIntervalMs) {
            problem("poll_interval_ms", "must be between 100 and 3600000, found \(pollIntervalMs)")
        }
        guard problems.isEmpty, let meterProfile else { throw ConfigError(diagnostics: problems) }

        let gateway = GatewayConfig(id: "demo", host: host, port: port)
        let meterConfigs = (0..<meters).map { i in
            let n = i + 1
            return MeterConfig(
                id: demoName("M", n), gateway: gateway.id, unitId: n, profile: meterProfile,
                pollIntervalMs: pollIntervalMs, role: .main, feeder: demoName("F", n), sign: 1,
                maxRegistersPerRead: min(gateway.maxRegistersPerRead, meterProfile.maxRegistersPerRead ?? 125))
        }
        var controller = SAONConfig(id: "S001", gateway: gateway.id, unitId: saonUnitId)
        // As the built-in simulator wires it: breaker N feeds meter N, stage S trips breakers
        // 2S−1 and 2S (so the drill's stage 1 sheds M001 and M002).
        controller.breakers = meterConfigs.prefix(controller.feeders).map(\.feeder)
        controller.stageMap = (1...controller.stages).compactMap { stage in
            let feeders = [2 * stage - 1, 2 * stage].filter { $0 <= controller.breakers.count }.map { controller.breakers[$0 - 1] }
            return feeders.isEmpty ? nil : SAONStage(stage: stage, feeders: feeders, expectedShedShare: 0.9)
        }
        var storage = StorageSection()
        if let storagePath { storage.path = storagePath }
        var configuration = SiteConfiguration(
            site: SiteSection(name: "esep demo", address: "Ekibastuz, Industrial zone 1 (demo)"), storage: storage,
            gateways: [gateway], meters: meterConfigs, saon: [controller], sourcePath: demoSource)
        configuration.operatorDetails = .demo(meters: meterConfigs.map(\.id))
        var fee = FeeSection(maxPowerMW: "5", licenceNumber: "KZ-DM-DEMO-01", licenceDate: "2024-02-01")
        fee.payer = "miner"
        configuration.fee = fee
        return configuration
    }

    /// The ``sourcePath`` of the demo configuration.
    public static let demoSource = "(demo)"

    private static func demoName(_ prefix: String, _ n: Int) -> String {
        let digits = String(n)
        return prefix + String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }
}
