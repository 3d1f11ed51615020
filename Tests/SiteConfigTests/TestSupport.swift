import Foundation
import SiteConfig
import Testing

/// The repository root, found from this file's path.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

let exampleConfigPath = repositoryRoot.appendingPathComponent("deploy/esep.example.toml").path

/// Parses `text`, expecting it to fail; returns the diagnostics' descriptions.
func diagnostics(of text: String, path: String = "site.toml") -> [String] {
    do {
        _ = try SiteConfigLoader.parse(text: text, path: path)
        Issue.record("expected the configuration to be rejected")
        return []
    } catch {
        return error.diagnostics.map(\.description)
    }
}

/// Parses `text`, recording every diagnostic as a test issue.
func parsed(_ text: String, path: String = "site.toml") -> SiteConfiguration? {
    do {
        return try SiteConfigLoader.parse(text: text, path: path)
    } catch {
        Issue.record("unexpected diagnostics:\n\(error)")
        return nil
    }
}

/// The smallest valid configuration, to which tests append.
let minimalConfig = """
    [site]
    name = "Test site"

    [[gateways]]
    id = "gw"
    host = "127.0.0.1"

    [[meters]]
    id = "M1"
    gateway = "gw"
    unit_id = 1
    profile = "sdm630"

    """
