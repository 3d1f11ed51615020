import ArgumentParser
import Foundation
import Ingest
import Metering
import Modbus

/// `esep read`: read meters once and print what they hold — for commissioning and a first look.
struct ReadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read",
        abstract: "Read meters once over Modbus/TCP and print their values as a table.",
        discussion: """
            Either name an endpoint, unit ids and a profile (esep read --endpoint 127.0.0.1:5020 --units 1-20
            --profile sdm630), or give a config file to read every configured meter once.
            """
    )

    @Option(help: "Gateway or meter address, host:port.")
    var endpoint: Endpoint?

    @Option(help: "Unit ids: a list and ranges, e.g. 1-20 or 1,3,5-7.")
    var units = "1"

    @Option(help: "Meter profile, or a comma-separated list assigned round-robin to the unit ids.")
    var profile = "sdm630"

    @Option(help: "Response timeout, ms.")
    var timeoutMs = 1000

    @Option(help: "table, csv or json.")
    var format: OutputFormat = .table

    func validate() throws {
        guard endpoint != nil else { throw ValidationError("--endpoint host:port is required") }
        _ = try parseUnits()
    }

    func parseUnits() throws -> [Int] {
        var result: [Int] = []
        for part in units.split(separator: ",") {
            let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            switch bounds.count {
            case 1 where bounds[0] != nil: result.append(bounds[0]!)
            case 2 where bounds[0] != nil && bounds[1] != nil && bounds[0]! <= bounds[1]!:
                result += Array(bounds[0]!...bounds[1]!)
            default: throw ValidationError("--units: '\(part)' is not a unit id or a range like 1-20")
            }
        }
        guard !result.isEmpty, result.allSatisfy({ (0...247).contains($0) }) else {
            throw ValidationError("--units: unit ids are 0…247")
        }
        return result
    }

    func run() throws {
        guard let endpoint else { return }
        let profiles = try profile.split(separator: ",").map { name -> DeviceProfile in
            guard let p = DeviceProfile.builtIn[String(name)], p.kind == .meter else {
                throw ValidationError("--profile: unknown meter profile '\(name)'")
            }
            return p
        }
        let client = ModbusTCPClient(
            host: endpoint.host, port: endpoint.port,
            timeouts: ModbusTimeouts(response: .milliseconds(timeoutMs)))
        let columns: [ChannelKind] = [
            .energyImport, .energyExport, .powerTotal, .voltageL1, .currentL1, .frequency, .powerFactor,
        ]
        var rows: [[String: String]] = []
        var failures = 0
        for (i, unit) in try parseUnits().enumerated() {
            let p = profiles[i % profiles.count]
            var row = ["unit": String(unit), "profile": p.name, "status": "ok"]
            do {
                for read in ReadPlanner.plan(fields: p.fields, maxRegisters: p.maxRegistersPerRead ?? 125) {
                    try read.execute(on: client, unit: UInt8(unit)) { _, field, value in
                        row[field.channel.description] = Self.text(value, kind: field.channel.kind)
                    }
                }
            } catch {
                failures += 1
                row["status"] = error.description
            }
            rows.append(row)
        }
        client.close()
        let keys = ["unit", "profile"] + columns.map(\.rawValue) + ["status"]
        let titles = ["unit", "profile", "import kWh", "export kWh", "power kW", "V L1", "I L1", "Hz", "PF", "status"]
        switch format {
        case .table:
            var table = TextTable(header: titles, rightAligned: Set(0..<9).subtracting([1]))
            table.rows = rows.map { r in keys.map { r[$0] ?? "—" } }
            print(table.render())
        case .csv:
            print(keys.joined(separator: ","))
            for r in rows { print(keys.map { csvField(r[$0] ?? "") }.joined(separator: ",")) }
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for r in rows { print(String(decoding: try encoder.encode(r), as: UTF8.self)) }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    static func text(_ value: SampleValue, kind: ChannelKind) -> String {
        switch value {
        case .missing: return "n/a"
        case .energy(let wh): return String(format: "%.3f", Double(wh) / 1000)
        case .number(let v):
            switch kind {
            case .powerTotal: return String(format: "%.3f", v / 1000)
            case .powerFactor: return String(format: "%.3f", v)
            case .frequency: return String(format: "%.2f", v)
            default: return String(format: "%.1f", v)
            }
        }
    }
}

/// Quotes a CSV field when it needs it (RFC 4180).
func csvField(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}
