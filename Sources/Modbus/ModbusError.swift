import CModbus
import Glibc

/// An error from a Modbus/TCP exchange: a socket error, a timeout, a malformed answer, or the device's own
/// Modbus exception.
///
/// Follows the server-ecosystem error pattern (swift-service-lifecycle's `ServiceRunnerError`, postgres-nio's
/// `PSQLError.Code`): a ``Code`` that new cases never break, plus the context a log line needs — the operation,
/// the endpoint, the unit id and the register window.
///
/// Two properties steer the caller:
/// - ``isException``: the device answered and refused. The connection is in sync and stays open.
/// - ``requiresReconnect``: the connection cannot be trusted any more (timeout, reset, broken pipe, malformed or
///   mismatched answer). ``ModbusTCPClient`` has already closed it when it throws such an error; the next request
///   reconnects.
public struct ModbusError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, independent of where.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: Hashable, Sendable {
            case timeout, connectionRefused, connectionReset, brokenPipe, notConnected, hostUnreachable
            case addressResolution
            case illegalFunction, illegalDataAddress, illegalDataValue, serverDeviceFailure, acknowledge
            case serverDeviceBusy, negativeAcknowledge, memoryParityError, gatewayPathUnavailable
            case gatewayTargetFailedToRespond
            case badCRC, badData, badException, unknownException, tooManyData, badUnitId, shortResponse
            case invalidArgument, system
        }

        fileprivate let base: Base

        private init(_ base: Base) { self.base = base }

        /// No answer (or no connection) within the timeout. `ETIMEDOUT`; `EINPROGRESS` from a connect that timed out.
        public static let timeout = Code(.timeout)
        /// Nothing listens at the endpoint. `ECONNREFUSED`.
        public static let connectionRefused = Code(.connectionRefused)
        /// The peer closed or reset the connection. `ECONNRESET`, or end of stream.
        public static let connectionReset = Code(.connectionReset)
        /// Writing to a connection the peer has closed. `EPIPE`.
        public static let brokenPipe = Code(.brokenPipe)
        /// The socket is not (or no longer) connected. `ENOTCONN`, `EBADF`.
        public static let notConnected = Code(.notConnected)
        /// No route to the host. `EHOSTUNREACH`, `ENETUNREACH`.
        public static let hostUnreachable = Code(.hostUnreachable)
        /// The host name could not be resolved (`getaddrinfo` failed).
        public static let addressResolution = Code(.addressResolution)
        /// Modbus exception 1: the function is not supported by the device.
        public static let illegalFunction = Code(.illegalFunction)
        /// Modbus exception 2: the register window is not (entirely) mapped on the device.
        public static let illegalDataAddress = Code(.illegalDataAddress)
        /// Modbus exception 3: a value in the request is not allowed (for example the count).
        public static let illegalDataValue = Code(.illegalDataValue)
        /// Modbus exception 4: unrecoverable error in the device.
        public static let serverDeviceFailure = Code(.serverDeviceFailure)
        /// Modbus exception 5: accepted, processing takes long.
        public static let acknowledge = Code(.acknowledge)
        /// Modbus exception 6: the device is busy; retry later.
        public static let serverDeviceBusy = Code(.serverDeviceBusy)
        /// Modbus exception 7: the device cannot perform the program function.
        public static let negativeAcknowledge = Code(.negativeAcknowledge)
        /// Modbus exception 8: memory parity error in the device.
        public static let memoryParityError = Code(.memoryParityError)
        /// Modbus exception 10: the gateway has no path to the target unit.
        public static let gatewayPathUnavailable = Code(.gatewayPathUnavailable)
        /// Modbus exception 11: the gateway's target device did not answer (typical for a dead serial meter).
        public static let gatewayTargetFailedToRespond = Code(.gatewayTargetFailedToRespond)
        /// The answer failed its checksum (`EMBBADCRC`; RTU framing only).
        public static let badCRC = Code(.badCRC)
        /// The answer does not match the request (`EMBBADDATA`): wrong transaction, function or count — a
        /// desynchronised stream.
        public static let badData = Code(.badData)
        /// An exception answer that is malformed or belongs to another request (`EMBBADEXC`).
        public static let badException = Code(.badException)
        /// An exception code outside the ones above (`EMBUNKEXC`, exception 0 or 9).
        public static let unknownException = Code(.unknownException)
        /// More data than the protocol allows (`EMBMDATA`).
        public static let tooManyData = Code(.tooManyData)
        /// The answer came from another unit id (`EMBBADSLAVE`).
        public static let badUnitId = Code(.badUnitId)
        /// The answer carried fewer values than requested.
        public static let shortResponse = Code(.shortResponse)
        /// The request was rejected before any I/O: unit id, address, count or host out of range (`EINVAL`).
        public static let invalidArgument = Code(.invalidArgument)
        /// Any other operating-system error; see ``ModbusError/errno``.
        public static let system = Code(.system)

        /// The Modbus exception code (1…11) this code stands for, if it is one.
        fileprivate var exceptionNumber: UInt8? {
            switch base {
            case .illegalFunction: 1
            case .illegalDataAddress: 2
            case .illegalDataValue: 3
            case .serverDeviceFailure: 4
            case .acknowledge: 5
            case .serverDeviceBusy: 6
            case .negativeAcknowledge: 7
            case .memoryParityError: 8
            case .gatewayPathUnavailable: 10
            case .gatewayTargetFailedToRespond: 11
            default: nil
            }
        }

        public var description: String {
            switch base {
            case .timeout: "timeout"
            case .connectionRefused: "connection refused"
            case .connectionReset: "connection reset"
            case .brokenPipe: "broken pipe"
            case .notConnected: "not connected"
            case .hostUnreachable: "host unreachable"
            case .addressResolution: "address resolution failed"
            case .illegalFunction: "illegal function"
            case .illegalDataAddress: "illegal data address"
            case .illegalDataValue: "illegal data value"
            case .serverDeviceFailure: "server device failure"
            case .acknowledge: "acknowledge"
            case .serverDeviceBusy: "server device busy"
            case .negativeAcknowledge: "negative acknowledge"
            case .memoryParityError: "memory parity error"
            case .gatewayPathUnavailable: "gateway path unavailable"
            case .gatewayTargetFailedToRespond: "gateway target device failed to respond"
            case .badCRC: "bad CRC"
            case .badData: "bad data"
            case .badException: "invalid exception response"
            case .unknownException: "unknown exception"
            case .tooManyData: "too many data"
            case .badUnitId: "response from another unit id"
            case .shortResponse: "short response"
            case .invalidArgument: "invalid argument"
            case .system: "system error"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The raw `errno` as read right after the failing call (0 when no call set it).
    public var errno: Int32
    /// The operation that failed: "connect", "read holding registers", "write coils", "listen", …
    public var operation: String
    /// The peer (or, for a server, the bound address): "127.0.0.1:1502", "[::1]:1502".
    public var endpoint: String
    /// The unit id of the request, when there was one.
    public var unitId: UInt8?
    /// The first register or bit of the request, when there was one.
    public var address: Int?
    /// The number of registers or bits of the request, when there was one.
    public var count: Int?

    public init(
        code: Code, errno: Int32 = 0, operation: String, endpoint: String,
        unitId: UInt8? = nil, address: Int? = nil, count: Int? = nil
    ) {
        self.code = code
        self.errno = errno
        self.operation = operation
        self.endpoint = endpoint
        self.unitId = unitId
        self.address = address
        self.count = count
    }

    /// The Modbus exception code (1…11) when the device answered with a Modbus exception, else `nil`.
    public var exceptionCode: UInt8? {
        if let number = code.exceptionNumber { return number }
        if code == .unknownException {
            let offset = Int(errno) - Int(LibModbusErrno.base)
            if (1...11).contains(offset) { return UInt8(offset) }
        }
        return nil
    }

    /// The device answered and refused the request. The connection is in sync: do not reconnect.
    public var isException: Bool {
        code.exceptionNumber != nil || code == .unknownException
    }

    /// The connection cannot be trusted any more: a late or partial answer could be taken for the next request's.
    /// ``ModbusTCPClient`` closes the socket before throwing such an error; its next request reconnects.
    public var requiresReconnect: Bool {
        switch code.base {
        case .timeout, .connectionRefused, .connectionReset, .brokenPipe, .notConnected, .hostUnreachable,
            .addressResolution, .badCRC, .badData, .badException, .badUnitId, .shortResponse, .system:
            true
        case .illegalFunction, .illegalDataAddress, .illegalDataValue, .serverDeviceFailure, .acknowledge,
            .serverDeviceBusy, .negativeAcknowledge, .memoryParityError, .gatewayPathUnavailable,
            .gatewayTargetFailedToRespond, .unknownException, .tooManyData, .invalidArgument:
            false
        }
    }

    /// For example
    /// `timeout: read input registers unit 3, registers 0…75 (76) at 127.0.0.1:1502 (errno 110: ETIMEDOUT)` or
    /// `illegal data address (exception 2): read holding registers unit 1, registers 3203…3210 (8) at 127.0.0.1:5020`.
    public var description: String {
        var text = code.description
        let exception = exceptionCode
        if let exception { text += " (exception \(exception))" }
        text += ": " + operation
        if let unitId { text += " unit \(unitId)" }
        if let address {
            let (singular, plural) = objectNouns
            if let count, count != 1 {
                let last = address + max(count, 1) - 1
                text += ", \(plural) \(address)…\(last) (\(count))"
            } else {
                text += ", \(singular) \(address)"
            }
        }
        text += " at " + endpoint
        if exception == nil, errno != 0 {
            if let name = LibModbusErrno.libmodbusName(errno) {
                text += " (\(name))"
            } else if let name = LibModbusErrno.systemName(errno) {
                text += " (errno \(errno): \(name))"
            } else {
                text += " (errno \(errno))"
            }
        }
        return text
    }

    private var objectNouns: (String, String) {
        if operation.hasSuffix("coils") || operation.hasSuffix("coil") { return ("coil", "coils") }
        if operation.hasSuffix("discrete inputs") { return ("input", "inputs") }
        return ("register", "registers")
    }
}

extension ModbusError.Code {
    /// The code for an `errno` value as libmodbus leaves it (system errors and `MODBUS_ENOBASE + n`).
    init(errno value: Int32) {
        let offset = Int(value) - Int(LibModbusErrno.base)
        switch offset {
        case 0: self = .unknownException
        case 1: self = .illegalFunction
        case 2: self = .illegalDataAddress
        case 3: self = .illegalDataValue
        case 4: self = .serverDeviceFailure
        case 5: self = .acknowledge
        case 6: self = .serverDeviceBusy
        case 7: self = .negativeAcknowledge
        case 8: self = .memoryParityError
        case 9: self = .unknownException
        case 10: self = .gatewayPathUnavailable
        case 11: self = .gatewayTargetFailedToRespond
        case 12: self = .badCRC  // EMBBADCRC
        case 13: self = .badData  // EMBBADDATA
        case 14: self = .badException  // EMBBADEXC
        case 15: self = .unknownException  // EMBUNKEXC
        case 16: self = .tooManyData  // EMBMDATA
        case 17: self = .badUnitId  // EMBBADSLAVE
        default:
            switch value {
            // libmodbus 3.1.6's non-blocking connect returns -1 on its select timeout with errno still
            // EINPROGRESS.
            case ETIMEDOUT, EAGAIN, EINPROGRESS: self = .timeout
            case ECONNREFUSED: self = .connectionRefused
            case ECONNRESET, ECONNABORTED: self = .connectionReset
            case EPIPE: self = .brokenPipe
            case EBADF, ENOTCONN: self = .notConnected
            case EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN: self = .hostUnreachable
            case EINVAL: self = .invalidArgument
            default: self = .system
            }
        }
    }
}

/// libmodbus's own errno values (`MODBUS_ENOBASE + n`) and the names of the system ones we expect, mapped here
/// because `modbus_strerror` and `strerror` are not thread-safe.
enum LibModbusErrno {
    static let base: Int32 = esep_modbus_enobase()

    static func libmodbusName(_ value: Int32) -> String? {
        let names = [
            "MODBUS_ENOBASE", "EMBXILFUN", "EMBXILADD", "EMBXILVAL", "EMBXSFAIL", "EMBXACK", "EMBXSBUSY", "EMBXNACK",
            "EMBXMEMPAR", "EMBXNOTDEF", "EMBXGPATH", "EMBXGTAR", "EMBBADCRC", "EMBBADDATA", "EMBBADEXC", "EMBUNKEXC",
            "EMBMDATA", "EMBBADSLAVE",
        ]
        let offset = Int(value) - Int(base)
        return names.indices.contains(offset) ? names[offset] : nil
    }

    static func systemName(_ value: Int32) -> String? {
        switch value {
        case EPERM: "EPERM"
        case ENOENT: "ENOENT"
        case EINTR: "EINTR"
        case EIO: "EIO"
        case EBADF: "EBADF"
        case EAGAIN: "EAGAIN"
        case ENOMEM: "ENOMEM"
        case EACCES: "EACCES"
        case EINVAL: "EINVAL"
        case ENFILE: "ENFILE"
        case EMFILE: "EMFILE"
        case EPIPE: "EPIPE"
        case EAFNOSUPPORT: "EAFNOSUPPORT"
        case EADDRINUSE: "EADDRINUSE"
        case EADDRNOTAVAIL: "EADDRNOTAVAIL"
        case ENETDOWN: "ENETDOWN"
        case ENETUNREACH: "ENETUNREACH"
        case ECONNABORTED: "ECONNABORTED"
        case ECONNRESET: "ECONNRESET"
        case ENOBUFS: "ENOBUFS"
        case ENOTCONN: "ENOTCONN"
        case ETIMEDOUT: "ETIMEDOUT"
        case ECONNREFUSED: "ECONNREFUSED"
        case EHOSTDOWN: "EHOSTDOWN"
        case EHOSTUNREACH: "EHOSTUNREACH"
        case EINPROGRESS: "EINPROGRESS"
        default: nil
        }
    }
}
