#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// "A daemon writes this database": an advisory `flock` on `<database>.lock`, held by `esep run`
/// for its whole life. Commands that write meter records (`esep meter reading`, `esep meter
/// replace`) apply them to the closed intervals themselves only when no daemon holds it (the
/// daemon's writer does it otherwise), and a second daemon on the same database refuses to start.
///
/// A separate file, never the database itself: closing any descriptor of the database file would
/// drop the POSIX locks SQLite holds on it in this process.
public final class DaemonLock: Sendable {
    /// The lock file of a database.
    public static func path(forDatabase db: String) -> String { db + ".lock" }

    private let fd: Int32
    public let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// Takes the lock of `database`; nil when another process holds it.
    /// - Throws: `.open` when the lock file cannot be created.
    public static func acquire(database: String) throws(StoreError) -> DaemonLock? {
        let path = path(forDatabase: database)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw StoreError(.open, path: database, operation: "take the daemon lock \(path)", reason: String(cString: strerror(errno)))
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return nil
        }
        return DaemonLock(fd: fd, path: path)
    }

    /// Gives the lock up before the object goes (a `defer { lock.release() }` also keeps it
    /// alive until then); the descriptor closes when the object does.
    public func release() { flock(fd, LOCK_UN) }

    /// Whether a daemon (another process, or this one) holds the lock of `database` now.
    public static func isHeld(database: String) -> Bool {
        let fd = open(path(forDatabase: database), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else { return errno == EWOULDBLOCK }
        flock(fd, LOCK_UN)
        return false
    }
}
