import Metering

/// A decoded entry with the path it was written at.
struct Located<Config> {
    var config: Config
    var path: ConfigPath
}

/// What device entries refer to and must not repeat: gateways, profiles, device ids and
/// unit ids per gateway.
struct DeviceRegistry {
    var gateways: [String: Located<GatewayConfig>] = [:]
    var gatewayOrder: [String] = []
    var customProfiles: [String: CustomProfile]
    var deviceIds: [String: ConfigPath] = [:]
    var unitIds: [String: [Int: ConfigPath]] = [:]

    init(gateways: [Located<GatewayConfig>], customProfiles: [String: CustomProfile]) {
        for g in gateways where self.gateways[g.config.id] == nil {
            self.gateways[g.config.id] = g
            gatewayOrder.append(g.config.id)
        }
        self.customProfiles = customProfiles
    }

    /// Every profile name a device may give.
    var profileNames: [String] { (Array(DeviceProfile.builtIn.keys) + Array(customProfiles.keys)).sorted() }

    func profile(named name: String) -> DeviceProfile? {
        customProfiles[name]?.profile ?? DeviceProfile.builtIn[name]
    }
}

/// `[[gateways]]`, `[[meters]]`, `[[saon]]` and the checks across them.
extension ConfigDecoder {
    static let gatewayKeys = [
        "id", "host", "port", "connect_timeout_ms", "response_timeout_ms", "byte_timeout_ms", "max_in_flight",
        "max_registers_per_read", "reconnect_min_interval_ms",
    ]
    static let meterKeys = [
        "id", "gateway", "unit_id", "profile", "poll_interval_ms", "role", "feeder", "sign", "channels",
        "rated_power_kw", "accuracy_class", "max_registers_per_read", "fill_gaps_from_check",
    ]
    static let saonKeys = [
        "id", "gateway", "unit_id", "profile", "poll_interval_ms", "stages", "feeders", "map", "shed_window_ms",
        "verify_poll_interval_ms", "min_load_kw", "breakers", "shed",
    ]
    static let saonStageKeys = ["stage", "feeders", "expected_kw", "expected_share"]
    static let saonMapKeys = [
        "armed", "command_received", "test_mode", "event_counter", "stage_tripped", "feeder_open",
    ]

    func decodeGateways(_ root: TableReader) -> [Located<GatewayConfig>] {
        var result: [Located<GatewayConfig>] = []
        var seen: [String: ConfigPath] = [:]
        for (_, t) in root.tables("gateways", keys: ConfigDecoder.gatewayKeys) {
            let id = identifier(t, "id")
            if let id {
                if let first = seen[id] {
                    error(t.path.appending("id"), "gateway id '\(id)' is already used by \(first)")
                } else {
                    seen[id] = t.path
                }
            }
            let host = t.requiredString("host")
            if let host, host.contains(where: \.isWhitespace) {
                error(t.path.appending("host"), "'\(host)' is not a host name or address")
            }
            var g = GatewayConfig(id: id ?? "", host: host ?? "")
            g.port = t.int("port", default: g.port, in: 1...65535)
            g.connectTimeoutMs = t.int("connect_timeout_ms", default: g.connectTimeoutMs, in: 100...60000)
            g.responseTimeoutMs = t.int("response_timeout_ms", default: g.responseTimeoutMs, in: 50...60000)
            g.byteTimeoutMs = t.int("byte_timeout_ms", default: g.byteTimeoutMs, in: 10...60000)
            g.maxInFlight = t.int("max_in_flight", default: g.maxInFlight, in: 1...16)
            g.maxRegistersPerRead = t.int("max_registers_per_read", default: g.maxRegistersPerRead, in: 1...125)
            g.reconnectMinIntervalMs = t.int(
                "reconnect_min_interval_ms", default: g.reconnectMinIntervalMs, in: 0...600_000)
            if id != nil { result.append(Located(config: g, path: t.path)) }
        }
        return result
    }

    /// Checks the id, gateway and unit id every device has; records them in the registry.
    private func decodeDeviceAddress(
        _ t: TableReader, registry: inout DeviceRegistry
    ) -> (id: String?, gateway: Located<GatewayConfig>?, unitId: Int?) {
        var id = identifier(t, "id")
        if let given = id {
            if let first = registry.deviceIds[given] {
                error(t.path.appending("id"), "device id '\(given)' is already used by \(first)")
                id = nil
            } else {
                registry.deviceIds[given] = t.path
            }
        }
        var gateway: Located<GatewayConfig>?
        if let name = t.requiredString("gateway") {
            gateway = registry.gateways[name]
            if gateway == nil {
                var message = "unknown gateway '\(name)'"
                if let m = closestMatch(to: name, in: registry.gatewayOrder) {
                    message += "; did you mean '\(m)'?"
                } else if registry.gatewayOrder.isEmpty {
                    message += "; no [[gateways]] are defined"
                } else {
                    message += "; gateways are \(registry.gatewayOrder.joined(separator: ", "))"
                }
                error(t.path.appending("gateway"), message)
            }
        }
        let unitId = t.requiredInt("unit_id", in: 0...247)
        if let unitId, let gateway {
            let gid = gateway.config.id
            if let first = registry.unitIds[gid]?[unitId] {
                error(t.path.appending("unit_id"), "unit id \(unitId) on gateway '\(gid)' is already used by \(first)")
            } else {
                registry.unitIds[gid, default: [:]][unitId] = t.path
            }
        }
        return (id, gateway, unitId)
    }

    /// Resolves a `profile` key to a profile of the wanted kind.
    private func resolveProfile(
        _ t: TableReader, name: String, kind: DeviceProfile.Kind, registry: DeviceRegistry
    ) -> DeviceProfile? {
        let path = t.path.appending("profile")
        guard let profile = registry.profile(named: name) else {
            let candidates = registry.profileNames.filter { registry.profile(named: $0)?.kind == kind }
            var message = "unknown profile '\(name)'"
            if let m = closestMatch(to: name, in: candidates) {
                message += "; did you mean '\(m)'?"
            } else {
                message += "; \(kind.rawValue) profiles are \(candidates.joined(separator: ", "))"
            }
            error(path, message)
            return nil
        }
        guard profile.kind == kind else {
            let what = kind == .meter ? "a meter needs a meter profile" : "a SAON controller needs a SAON profile"
            error(path, "'\(name)' is a \(profile.kind == .saon ? "SAON" : "meter") profile; \(what)")
            return nil
        }
        return profile
    }

    /// A meter's place on its feeder, kept even when other keys of the meter are wrong.
    struct FeederEntry {
        var feeder: String
        var role: MeterRole
        var path: ConfigPath
        var feederWritten: Bool
    }

    func decodeMeters(
        _ root: TableReader, registry: inout DeviceRegistry
    ) -> (meters: [Located<MeterConfig>], feeders: [FeederEntry]) {
        var result: [Located<MeterConfig>] = []
        var feederEntries: [FeederEntry] = []
        for (_, t) in root.tables("meters", keys: ConfigDecoder.meterKeys) {
            let (id, gateway, unitId) = decodeDeviceAddress(t, registry: &registry)
            var profile: DeviceProfile?
            if let name = t.requiredString("profile") {
                profile = resolveProfile(t, name: name, kind: .meter, registry: registry)
            }
            let poll = t.int("poll_interval_ms", default: 1000, in: 100...3_600_000)
            let role = t.choice("role", MeterRole.allCases.map { ($0.rawValue, $0) }) ?? .main
            var feeder = t.string("feeder")
            if feeder?.isEmpty == true {
                error(t.path.appending("feeder"), "must not be empty")
                feeder = nil
            }
            var sign = 1
            if let s = t.int("sign") {
                if [1, -1, 0].contains(s) {
                    sign = s
                } else {
                    error(t.path.appending("sign"), "must be 1, -1 or 0, found \(s)")
                }
            }
            if let p = profile { profile = filterChannels(t, profile: p) }
            var rated = t.double("rated_power_kw")
            if let r = rated, !(r.isFinite && r > 0 && r <= 10_000_000) {
                error(t.path.appending("rated_power_kw"), "must be greater than 0 and at most 10000000 (10 GW), found \(r)")
                rated = nil
            }
            let accuracy = t.choice("accuracy_class", ConfiguredAccuracyClass.allCases.map { ($0.rawValue, $0) }) ?? .c05S
            let ownCap = t.int("max_registers_per_read", in: 1...125)
            let fill = t.bool("fill_gaps_from_check", default: false)
            if let name = feeder ?? id {
                feederEntries.append(FeederEntry(feeder: name, role: role, path: t.path, feederWritten: feeder != nil))
            }
            guard let id, let gateway, let unitId, let profile else { continue }
            let cap = ownCap ?? min(gateway.config.maxRegistersPerRead, profile.maxRegistersPerRead ?? 125)
            var meter = MeterConfig(
                id: id, gateway: gateway.config.id, unitId: unitId, profile: profile, pollIntervalMs: poll, role: role,
                feeder: feeder, sign: sign, ratedPowerKW: rated, accuracyClass: accuracy, maxRegistersPerRead: cap)
            meter.fillGapsFromCheck = fill
            result.append(Located(config: meter, path: t.path))
        }
        return (result, feederEntries)
    }

    /// Applies a meter's `channels` list to its profile; the profile's field order is kept.
    private func filterChannels(_ t: TableReader, profile: DeviceProfile) -> DeviceProfile? {
        guard let list = t.stringArray("channels") else { return t.has("channels") ? nil : profile }
        if list.isEmpty && (t.array("channels")?.isEmpty ?? false) {
            error(t.path.appending("channels"), "must list at least one channel (leave it out for all)")
            return nil
        }
        var wanted = Set<ChannelName>()
        var ok = true
        let available = profile.fields.map(\.channel.description)
        for (p, text) in list {
            guard let channel = ChannelName(text), profile.field(channel) != nil else {
                var message = "profile '\(profile.name)' has no channel '\(text)'"
                if let m = closestMatch(to: text, in: available) { message += "; did you mean '\(m)'?" }
                error(p, message)
                ok = false
                continue
            }
            if !wanted.insert(channel).inserted {
                error(p, "channel '\(text)' is listed twice")
            }
        }
        guard ok else { return nil }
        var filtered = profile
        filtered.fields = profile.fields.filter { wanted.contains($0.channel) }
        return filtered
    }

    /// At most one main meter per feeder; a check meter's feeder must have a main meter.
    func checkFeeders(_ entries: [FeederEntry]) {
        var mains: [String: ConfigPath] = [:]
        for m in entries where m.role == .main {
            if let first = mains[m.feeder] {
                error(
                    m.path.appending(m.feederWritten ? "feeder" : "role"),
                    "feeder '\(m.feeder)' already has a main meter, \(first)")
            } else {
                mains[m.feeder] = m.path
            }
        }
        for m in entries where m.role == .check && mains[m.feeder] == nil {
            error(
                m.path.appending(m.feederWritten ? "feeder" : "role"),
                "check meter on feeder '\(m.feeder)' has no main meter on that feeder")
        }
    }

    func decodeSAON(_ root: TableReader, meters: [MeterConfig], registry: inout DeviceRegistry) -> [SAONConfig] {
        var result: [SAONConfig] = []
        let feederNames = Set(meters.map(\.feeder))
        for (_, t) in root.tables("saon", keys: ConfigDecoder.saonKeys) {
            let (id, gateway, unitId) = decodeDeviceAddress(t, registry: &registry)
            let poll = t.int("poll_interval_ms", default: 200, in: 50...60000)
            let givenStages = t.int("stages", in: 1...32)
            let givenFeeders = t.int("feeders", in: 1...64)
            let profileName = t.string("profile") ?? "saon"
            var stages = givenStages ?? 4
            var feeders = givenFeeders ?? 8
            var profile: DeviceProfile?
            if profileName == "saon" {
                profile = DeviceProfile.saonProfile(stages: stages, feeders: feeders)
            } else if let custom = resolveProfile(t, name: profileName, kind: .saon, registry: registry) {
                profile = custom
                let counted = ConfigDecoder.indexedCounts(custom)
                if let s = givenStages, s != counted.stages {
                    error(t.path.appending("stages"), "profile '\(profileName)' has \(counted.stages) stages, not \(s)")
                }
                if let f = givenFeeders, f != counted.feeders {
                    error(
                        t.path.appending("feeders"), "profile '\(profileName)' has \(counted.feeders) feeders, not \(f)"
                    )
                }
                stages = counted.stages
                feeders = counted.feeders
            }
            let map = t.table("map", keys: ConfigDecoder.saonMapKeys)
            if let p = profile, let map {
                profile = applyMap(map, to: p, stages: stages, feeders: feeders)
            }
            let window = t.int("shed_window_ms", default: 2000, in: 100...60000)
            let verifyPoll = t.int("verify_poll_interval_ms", default: 200, in: 50...10000)
            var minLoad = 1.0
            if let v = t.double("min_load_kw") {
                if v.isFinite, v >= 0, v <= 1_000_000 { minLoad = v } else {
                    error(t.path.appending("min_load_kw"), "must be between 0 and 1000000 kW, found \(v)")
                }
            }
            var breakers: [String] = []
            if let list = t.stringArray("breakers") {
                if list.count > feeders {
                    error(t.path.appending("breakers"), "lists \(list.count) breakers; the controller has \(feeders) feeder inputs")
                }
                for (p, name) in list {
                    if !name.isEmpty, !feederNames.contains(name) {
                        var message = "no meter is on feeder '\(name)'"
                        if let m = closestMatch(to: name, in: feederNames) { message += "; did you mean '\(m)'?" }
                        error(p, message)
                    }
                    breakers.append(name)
                }
            }
            let stageMap = decodeStages(t, stages: stages, feeders: feederNames, meters: meters)
            guard let id, let gateway, let unitId, let profile else { continue }
            let cap = min(gateway.config.maxRegistersPerRead, profile.maxRegistersPerRead ?? 125)
            var config = SAONConfig(
                id: id, gateway: gateway.config.id, unitId: unitId, profile: profile, pollIntervalMs: poll,
                stages: stages, feeders: feeders, maxRegistersPerRead: cap)
            config.shedWindowMs = window
            config.verifyPollIntervalMs = verifyPoll
            config.minLoadKW = minLoad
            config.breakers = breakers
            config.stageMap = stageMap
            result.append(config)
        }
        return result
    }

    /// `[[saon.shed]]`: each stage's feeders and the drop it must bring.
    private func decodeStages(_ t: TableReader, stages: Int, feeders: Set<String>, meters: [MeterConfig]) -> [SAONStage] {
        var result: [SAONStage] = []
        var seen: Set<Int> = []
        let tables = t.tables("shed", keys: ConfigDecoder.saonStageKeys)
        guard stages >= 1 else {
            if let first = tables.first {
                error(first.reader.path, "the controller's profile has no stage_tripped signal, so no stage can shed")
            }
            return []
        }
        for (_, st) in tables {
            let number = st.requiredInt("stage", in: 1...stages)
            if let number, !seen.insert(number).inserted {
                error(st.path.appending("stage"), "stage \(number) is mapped twice")
            }
            var names: [String] = []
            if let list = st.stringArray("feeders") {
                if list.isEmpty { error(st.path.appending("feeders"), "must name at least one feeder") }
                for (p, name) in list {
                    if !feeders.contains(name) {
                        var message = "no meter is on feeder '\(name)'"
                        if let m = closestMatch(to: name, in: feeders) { message += "; did you mean '\(m)'?" }
                        error(p, message)
                    } else {
                        // The shed is measured by the feeder's main meters' total active power.
                        let mains = meters.filter { $0.feeder == name && $0.role == .main }
                        if mains.isEmpty {
                            error(p, "feeder '\(name)' has no main meter to measure the shed")
                        } else if !mains.contains(where: { $0.channels.contains(ChannelName(.powerTotal)) }) {
                            error(p, "feeder '\(name)': its main meter does not read power_total (see its `channels`), so a shed cannot be measured")
                        }
                    }
                    names.append(name)
                }
            } else {
                st.missing("feeders")
            }
            let kw = st.double("expected_kw")
            let share = st.double("expected_share")
            if let kw, !(kw > 0 && kw <= 1_000_000) {
                error(st.path.appending("expected_kw"), "must be more than 0 and at most 1000000 kW, found \(kw)")
            }
            if let share, !(share > 0 && share <= 1) {
                error(st.path.appending("expected_share"), "must be more than 0 and at most 1, found \(share)")
            }
            if kw != nil, share != nil {
                error(st.path.appending("expected_share"), "give expected_kw or expected_share, not both")
            }
            if let number { result.append(SAONStage(stage: number, feeders: names, expectedShedKW: kw, expectedShedShare: share)) }
        }
        return result.sorted { $0.stage < $1.stage }
    }

    /// The highest stage and feeder numbers a SAON profile has channels for.
    static func indexedCounts(_ profile: DeviceProfile) -> (stages: Int, feeders: Int) {
        var stages = 0
        var feeders = 0
        for f in profile.fields {
            if f.channel.kind == .saonStageTripped { stages = max(stages, f.channel.index) }
            if f.channel.kind == .saonFeederOpen { feeders = max(feeders, f.channel.index) }
        }
        return (stages, feeders)
    }

    /// Applies `[saon.map]` address overrides; reports bad addresses and overlaps.
    private func applyMap(_ map: TableReader, to profile: DeviceProfile, stages: Int, feeders: Int) -> DeviceProfile? {
        var overrides: [(ChannelName, SAONAddress, ConfigPath)] = []
        var ok = true
        func address(_ node: TOMLNode, at path: ConfigPath, channel: ChannelName) {
            guard case .string(let text) = node else {
                error(path, "expected a string, found \(node.typeDescription)")
                ok = false
                return
            }
            guard let a = SAONAddress(text) else {
                error(path, "expected an address like 'di:0', 'coil:5', 'hr:0', 'ir:3' or 'hr:7.3', found '\(text)'")
                ok = false
                return
            }
            if channel.kind == .saonEventCounter && (a.space.isBitSpace || a.bit != nil) {
                error(path, "the event counter is a register: use 'hr:N' or 'ir:N', found '\(text)'")
                ok = false
                return
            }
            overrides.append((channel, a, path))
        }
        let scalars: [(String, ChannelKind)] = [
            ("armed", .saonArmed), ("command_received", .saonCommandReceived), ("test_mode", .saonTestMode),
            ("event_counter", .saonEventCounter),
        ]
        for (key, kind) in scalars {
            if let node = map.entries[key] { address(node, at: map.path.appending(key), channel: ChannelName(kind)) }
        }
        let lists: [(String, ChannelKind, Int, String)] = [
            ("stage_tripped", .saonStageTripped, stages, "stages"),
            ("feeder_open", .saonFeederOpen, feeders, "feeders"),
        ]
        for (key, kind, count, countKey) in lists {
            guard let elements = map.array(key) else {
                if map.has(key) { ok = false }
                continue
            }
            if elements.count != count {
                error(map.path.appending(key), "has \(elements.count) addresses, but \(countKey) = \(count)")
                ok = false
                continue
            }
            for (i, (p, node)) in elements.enumerated() {
                address(node, at: p, channel: ChannelName(kind, index: i + 1))
            }
        }
        guard ok else { return nil }
        var resolved = profile
        var overridePaths: [ChannelName: ConfigPath] = [:]
        for (channel, a, p) in overrides {
            let field = a.field(for: channel)
            if let i = resolved.fields.firstIndex(where: { $0.channel == channel }) {
                resolved.fields[i] = field
            } else {
                resolved.fields.append(field)
            }
            overridePaths[channel] = p
        }
        for (a, b) in resolved.overlappingFields() {
            let (moved, other) = overridePaths[b.channel] != nil ? (b, a) : (a, b)
            let path = overridePaths[moved.channel] ?? map.path
            error(
                path,
                "\(ConfigDecoder.location(of: moved)) of '\(moved.channel)' overlaps "
                    + "\(ConfigDecoder.location(of: other)) of '\(other.channel)'")
            ok = false
        }
        return ok ? resolved : nil
    }
}
