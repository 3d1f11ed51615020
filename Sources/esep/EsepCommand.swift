import ArgumentParser

@main
struct EsepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "esep",
        abstract: "Metering daemon for digital-mining data centres: ASKUE meters and SAON over Modbus/TCP.",
        discussion: """
            esep polls a site's commercial electricity meters and its load-shedding automation over
            Modbus/TCP, keeps every reading in an embedded SQLite store and turns cumulative energy into
            verified kWh for the grid operator and the regulatory documents.
            """,
        version: EsepVersion.current,
        subcommands: [RunCommand.self, SimCommand.self, ReadCommand.self, CheckConfigCommand.self, CheckDBCommand.self, QueryCommand.self, EnergyCommand.self, VerifyCommand.self, CalendarCommand.self, FeeCommand.self, ReportCommand.self, ChecklistCommand.self, ScheduleCommand.self, SAONCommand.self, MeterCommand.self, AuditCommand.self, BackupCommand.self, RestoreCommand.self, BenchCommand.self, TokenCommand.self]
    )
}
