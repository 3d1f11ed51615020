import ArgumentParser
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
                header: ["time", "device", "signal", "old", "new"],
                rows: try store.events(fromMs: fromMs, toMs: toMs).map {
                    [iso8601($0.timeMs), $0.device, $0.signal, $0.old.map(String.init) ?? "", String($0.new)]
                })
            return
        }
        if health {
            emit(
                header: ["device", "last success", "last error time", "consecutive failures", "backoff until", "polls", "failures", "last error"],
                rows: try store.health().map {
                    [
                        $0.device, $0.lastSuccessMs.map(iso8601) ?? "", $0.lastErrorMs.map(iso8601) ?? "",
                        String($0.consecutiveFailures), $0.backoffUntilMs.map(iso8601) ?? "", String($0.polls),
                        String($0.failures), $0.lastError ?? "",
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
            header: ["time", "value", "unit", "quality"],
            rows: samples.map { s in
                let text: String
                switch s.value {
                case .energy(let wh): text = String(wh)
                case .number(let v): text = String(v)
                case .missing: text = ""
                }
                return [iso8601(s.timeMs), text, info.unit, s.value == .missing ? "not_available" : "good"]
            })
    }

    func emit(header: [String], rows: [[String]]) {
        switch format {
        case .table:
            var t = TextTable(header: header)
            t.rows = rows
            print(t.render())
        case .csv:
            print(header.map(csvField).joined(separator: ","))
            for r in rows { print(r.map(csvField).joined(separator: ",")) }
        case .json:
            let keys = header.map { $0.replacingOccurrences(of: " ", with: "_") }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for r in rows {
                let object = Dictionary(uniqueKeysWithValues: zip(keys, r))
                print(String(decoding: (try? encoder.encode(object)) ?? Data(), as: UTF8.self))
            }
        }
    }
}
