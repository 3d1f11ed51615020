import Foundation
public import Logging
import Synchronization

/// esep's log lines: one line per event, metadata inline as `key=value`, newlines escaped.
///
/// - Under systemd (stderr connected to the journal: `JOURNAL_STREAM` is set) each line starts
///   with its syslog priority (`<6>` info … `<2>` critical, which journald reads as the entry's
///   priority) and carries no timestamp of its own: the journal stamps it.
/// - Elsewhere each line starts with the time in ISO 8601 with the site's UTC offset
///   (`2026-12-05T03:40:00.123+05:00`, ``LogClock``), never raw epoch milliseconds.
public struct LineLogHandler: LogHandler {
    public enum Style: Sendable {
        /// journald: `<priority>` prefix, no timestamp.
        case journal
        /// A terminal or file: the site-local ISO 8601 time first.
        case timestamped
    }

    /// `journal` when stderr is the journal (`JOURNAL_STREAM` set), else `timestamped`.
    public static func style(environment: [String: String] = ProcessInfo.processInfo.environment) -> Style {
        environment["JOURNAL_STREAM"].map { $0.isEmpty ? Style.timestamped : .journal } ?? .timestamped
    }

    let label: String
    let style: Style
    let clock: LogClock
    let write: @Sendable (String) -> Void
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    /// - Parameter write: receives each line with its newline (standard error by default).
    public init(
        label: String, style: Style, clock: LogClock = .shared,
        write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    ) {
        self.label = label
        self.style = style
        self.clock = clock
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        log(
            level: event.level, message: event.message, metadata: event.metadata, source: event.source, file: event.file,
            function: event.function, line: event.line)
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String, file: String,
        function: String, line: UInt
    ) {
        var all = self.metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let explicit { all.merge(explicit) { _, new in new } }
        var text: String
        switch style {
        case .journal: text = "<\(Self.priority(level))>"
        case .timestamped: text = clock.iso8601(Date()) + " \(level) "
        }
        text += "\(label): \(Self.oneLine(message.description))"
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            text += " \(key)=\(Self.oneLine(value.description))"
        }
        if source != label { text += " [\(source)]" }
        write(text + "\n")
    }

    /// The syslog priority journald reads from a `<N>` prefix (sd-daemon(3)).
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Newlines and carriage returns as `\n` and `\r`: one event, one line.
    static func oneLine(_ s: String) -> String {
        guard s.contains(where: { $0 == "\n" || $0 == "\r" }) else { return s }
        return s.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// The time zone log lines are stamped in: the site's (`[site] timezone`) once the config is read,
/// `Asia/Almaty` before.
public final class LogClock: Sendable {
    public static let shared = LogClock()
    private let formatter: Mutex<DateFormatter>

    public init(timeZone: TimeZone = TimeZone(identifier: "Asia/Almaty") ?? .current) {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSxxx"
        f.timeZone = timeZone
        formatter = Mutex(f)
    }

    /// Stamps later lines in `identifier`'s time (unknown identifiers are ignored).
    public func setTimeZone(_ identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return }
        formatter.withLock { $0.timeZone = zone }
    }

    public func iso8601(_ date: Date) -> String { formatter.withLock { $0.string(from: date) } }
}
