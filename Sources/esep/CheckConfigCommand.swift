import API
import ArgumentParser
import Foundation
import Ingest
import Metering
import SiteConfig

/// `esep check-config FILE`: validate a site configuration, optionally print the read plan.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file; print every error as FILE:LINE: key: message.",
        discussion: "Exits 0 when the file is valid, 1 when it is not. --plan prints the Modbus reads esep will make."
    )

    @Argument(help: "The TOML configuration file.")
    var file: String

    @Flag(help: "Print the read plan: every device's merged Modbus reads.")
    var plan = false

    func run() throws {
        let config: SiteConfiguration
        do {
            config = try loadSiteConfiguration(path: file)
        } catch {
            for d in error.diagnostics { FileHandle.standardError.write(Data((d.description + "\n").utf8)) }
            FileHandle.standardError.write(Data("\(file): \(error.diagnostics.count) error(s)\n".utf8))
            throw ExitCode(1)
        }
        print(
            "\(file): ok — site '\(config.site.name)', \(config.gateways.count) gateway(s), "
                + "\(config.meters.count) meter(s), \(config.saon.count) SAON controller(s)")
        guard plan else { return }
        let gateways = Dictionary(config.gateways.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for device in config.devices {
            let gateway = gateways[device.gateway]
            let cap = [device.maxRegistersPerRead, device.profile.maxRegistersPerRead, gateway?.maxRegistersPerRead]
                .compactMap { $0 }.min() ?? 125
            let reads = ReadPlanner.plan(
                fields: device.profile.fields, maxRegisters: cap, holeFill: config.ingest.holeFillRegisters)
            let endpoint = gateway.map { "\($0.host):\($0.port)" } ?? device.gateway
            print("\(device.id) (\(device.profile.name), unit \(device.unitId) at \(endpoint), every \(device.pollIntervalMs) ms, cap \(cap)): \(reads.count) read(s)")
            for r in reads { print("  \(r)") }
        }
    }
}

/// Loads a site configuration and runs every check `esep run` would make before it opens
/// anything (the TOML, its values, and the API's TLS files: PEM parse, key matches
/// certificate), so `check-config` accepts exactly what `run` starts with.
func loadSiteConfiguration(path: String) throws(ConfigError) -> SiteConfiguration {
    let site = try SiteConfigLoader.load(path: path)
    var problems = APIServer.configurationProblems(site)
    do {
        _ = try workingCalendar(site)
    } catch {
        problems += error.diagnostics
    }
    do {
        _ = try feeRateTable(site)
    } catch {
        problems += error.diagnostics
    }
    guard problems.isEmpty else { throw ConfigError(diagnostics: problems) }
    return site
}
