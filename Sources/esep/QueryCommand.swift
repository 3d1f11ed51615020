import ArgumentParser
import Compliance
import Foundation
import Metering
import SiteConfig
import Store

/// `esep query`: read stored samples, events and device health.
struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Print a channel's stored samples for a time range (or the channel list, events, device health).",
        discussion: """
            esep query --db esep.sqlite --device M001 --channel energy_import --from 2026-11-22T00:00:00Z --to now
            esep query --db esep.sqlite --list | --events | --health
            Reads through its own read-only connection: safe next to a running daemon.
            """
    )

    @OptionGroup var storeOptions: StoreOptionsGroup

    @Option(help: "Device id (as in the config), e.g. M001.")
    var device: String?

    @Option(help: "Channel, e.g. energy_import, power_total, stage_tripped.1.")
    var channel: String?

    @Option(help: "Start of the range (inclusive); default one hour before --to.")
    var from: TimeArgument?

    @Option(help: "End of the range (exclusive); default now.")
    var to: TimeArgument?

    @Option(help: "table, csv or json.")
    var format: OutputFormat = .table

    @Flag(help: "List devices and channels.")
    var list = false

    @Flag(help: "Print SAON state-change events in the range.")
    var events = false

    @Flag(help: "Print each device's polling health.")
    var health = false

    func run() throws {
        let (store, calendar, _) = try storeOptions.open()
        let toMs = try to?.ms(calendar, option: "--to") ?? WallClock.nowMs()
        let fromMs = try from?.ms(calendar, option: "--from") ?? toMs - 3_600_000
        guard fromMs < toMs else { throw ValidationError("--to must be later than --from") }
        if list {
            var table = TextTable(header: ["channel id", "device", "channel", "unit"], rightAligned: [0])
            table.rows = try store.channels().map { [String($0.id), $0.device, $0.name.description, $0.unit] }
            print(table.render())
            return
        }
        if events {
            emit(
                "events", header: ["time", "device", "signal", "old", "new"],
                rows: try store.events(fromMs: fromMs, toMs: toMs).map { e -> [JSONValue] in
                    let old: JSONValue = e.old.map { JSONValue.int($0) } ?? .null
                    return [JSONValue.string(iso8601(e.timeMs)), JSONValue.string(e.device), JSONValue.string(e.signal), old, JSONValue.int(e.new)]
                })
            return
        }
        if health {
            emit(
                "health",
                header: ["device", "last success", "last error time", "consecutive failures", "backoff until", "polls", "failures", "last error"],
                rows: try store.health().map { h -> [JSONValue] in
                    func time(_ ms: Int64?) -> JSONValue { ms.map { JSONValue.string(iso8601($0)) } ?? JSONValue.null }
                    let error: JSONValue = h.lastError.map { JSONValue.string($0) } ?? JSONValue.null
                    return [
                        JSONValue.string(h.device), time(h.lastSuccessMs), time(h.lastErrorMs), JSONValue.int(h.consecutiveFailures),
                        time(h.backoffUntilMs), JSONValue.int(h.polls), JSONValue.int(h.failures), error,
                    ]
                })
            return
        }
        guard let device, let channel else { throw ValidationError("give --device and --channel (or --list, --events, --health)") }
        guard let name = ChannelName(channel) else {
            throw ValidationError("--channel: '\(channel)' is not a channel name; e.g. energy_import, power_total, stage_tripped.1")
        }
        let info = try store.channel(device: device, name: name)
        let samples = try store.samples(channel: info.id, fromMs: fromMs, toMs: toMs)
        emit(
            "samples", header: ["time", "value", "unit", "quality"],
            context: [("device", .string(device)), ("channel", .string(name.description)), ("unit", .string(info.unit))],
            rows: samples.map { s -> [JSONValue] in
                let value: JSONValue
                switch s.value {
                case .energy(let wh): value = .int(wh)
                case .number(let v): value = .double(v)
                case .missing: value = .null
                }
                let quality = s.value == .missing ? "not_available" : "good"
                return [JSONValue.string(iso8601(s.timeMs)), value, JSONValue.string(info.unit), JSONValue.string(quality)]
            })
    }

    /// Prints rows as a table, CSV, or one JSON document `{…context, "<name>": [{column: value}]}`
    /// whose numbers are JSON numbers.
    func emit(_ name: String, header: [String], context: [(String, JSONValue)] = [], rows: [[JSONValue]]) {
        func text(_ v: JSONValue) -> String {
            switch v {
            case .null: ""
            case .string(let s): s
            case .number(let n): n
            case .bool(let b): b ? "true" : "false"
            case .array, .object: v.rendered(pretty: false)
            }
        }
        switch format {
        case .table:
            var t = TextTable(header: header)
            t.rows = rows.map { $0.map(text) }
            print(t.render())
        case .csv:
            print(header.map(csvField).joined(separator: ","))
            for r in rows { print(r.map(text).map(csvField).joined(separator: ",")) }
        case .json:
            let keys = header.map { $0.replacingOccurrences(of: " ", with: "_") }
            let items = rows.map { r in JSONValue.object(Array(zip(keys, r))) }
            print(JSONValue.object(context + [(name, .array(items))]).rendered(), terminator: "")
        }
    }
}
