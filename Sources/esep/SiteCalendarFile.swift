import Compliance
import SiteConfig

/// The site's working-day calendar: the shipped Kazakhstan calendar with the overrides file the
/// config names (`[calendar] overrides`), every problem of that file as `FILE:LINE: day[i].key: message`.
func workingCalendar(_ site: SiteConfiguration?) throws(ConfigError) -> WorkingCalendar {
    guard let site, let path = site.calendar.overridesPath else { return .kazakhstan }
    let entries: [CalendarDayEntry]
    var problems: [ConfigDiagnostic]
    do {
        (entries, problems) = try SiteConfigLoader.loadCalendarOverrides(path: path)
    } catch {
        // A file that cannot be read is the config key's problem: say where it was named.
        throw ConfigError(
            diagnostics: error.diagnostics.map { d in
                guard d.key == ConfigDiagnostic.fileKey else { return d }
                return ConfigDiagnostic(
                    file: site.sourcePath, line: site.keyLines["calendar.overrides"] ?? 0, key: "calendar.overrides",
                    message: "'\(path)': \(d.message)")
            })
    }
    var overrides: [CalendarOverride] = []
    for e in entries {
        let found = CalendarOverride.problems(date: e.date, kind: e.kind, note: e.note)
        for p in found {
            problems.append(ConfigDiagnostic(file: path, line: e.line(p.field), key: "day[\(e.index)].\(p.field)", message: p.message))
        }
        if found.isEmpty, let o = try? CalendarOverride(date: e.date, kind: e.kind, note: e.note) { overrides.append(o) }
    }
    if problems.isEmpty {
        // Every entry is valid here, so an override's index is its entry's.
        for p in CalendarOverride.duplicateDates(in: overrides) {
            let second = p.indices.last ?? 0
            problems.append(
                ConfigDiagnostic(file: path, line: entries[second].line("date"), key: "day[\(second)].date", message: p.message))
        }
    }
    guard problems.isEmpty else { throw ConfigError(diagnostics: problems.sorted { $0.line < $1.line }) }
    do {
        return try WorkingCalendar(overrides: overrides)
    } catch {
        throw ConfigError(diagnostics: [ConfigDiagnostic(file: path, line: 0, key: error.field, message: error.message)])
    }
}

/// The site's fee rate table: the shipped defaults with the config's `[[fee.rates]]` periods
/// (``FeeRateTable/init(_:overriddenBy:)``), a problem as `FILE:LINE: fee.rates[i].key: message`.
func feeRateTable(_ site: SiteConfiguration?) throws(ConfigError) -> FeeRateTable {
    guard let site, let fee = site.fee, !fee.rates.isEmpty else { return .defaults }
    do {
        return try FeeRateTable(overriddenBy: fee.rates)
    } catch {
        throw ConfigError(diagnostics: [site.diagnostic(key: "fee.\(error.field)", error.message)])
    }
}
