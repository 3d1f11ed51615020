import CModbus
import Dispatch
import Foundation
import Glibc
import Synchronization

/// A Modbus/TCP server on libmodbus, answering from a ``ModbusServerHandler`` (used by the simulator and tests).
///
/// Threads: ``start()`` binds and starts one accept thread; each accepted connection gets its own thread, its own
/// libmodbus context (`modbus_set_socket`) and its own 65 536-entry `modbus_mapping_t` of all four tables, used
/// only on that thread and freed when the connection ends. The handler is called on the connection threads,
/// concurrently. All shared state sits behind one `Mutex`; the public methods are thread-safe.
///
/// ``stop()`` shuts down the listening socket and every connection (which unblocks `accept` and
/// `modbus_receive`), then waits until every thread has finished. Never call it from the handler.
public final class ModbusTCPServer: @unchecked Sendable {
    private let core: ServerCore
    private let host: String
    private let requestedPort: Int

    /// - Parameters:
    ///   - host: address to listen on: "127.0.0.1" (default), "::1", "0.0.0.0", a host name; "" for any.
    ///   - port: TCP port; 0 (default) picks a free ephemeral port, see ``port``.
    ///   - handler: decides every answer; called concurrently from the connection threads.
    ///   - maxConnections: connections served at once (default 256); further ones are accepted and closed at once.
    public init(host: String = "127.0.0.1", port: Int = 0, handler: any ModbusServerHandler, maxConnections: Int = 256) {
        self.host = host
        requestedPort = port
        core = ServerCore(
            handler: handler, maxConnections: max(1, maxConnections),
            endpoint: modbusEndpoint(host: host.isEmpty ? "*" : host, port: port))
    }

    deinit { stop() }

    /// Binds, listens and starts the accept thread. Call once (again only after it threw).
    /// - Throws: ``ModbusError`` with operation "listen" (for example `.system` with `EADDRINUSE`,
    ///   `.addressResolution`, `.invalidArgument` for a bad host or port).
    public func start() throws(ModbusError) {
        let core = self.core
        let site = ModbusCallSite(operation: "listen", endpoint: core.endpoint)
        guard (0...65535).contains(requestedPort) else { throw site.error(.invalidArgument, errno: EINVAL) }
        let claimed = core.state.withLock { state in
            guard state.phase == .idle else { return false }
            state.phase = .starting
            return true
        }
        precondition(claimed, "ModbusTCPServer.start() called twice")

        let context: OpaquePointer
        let listenSocket: Int32
        do throws(ModbusError) {
            context = try libmodbus(site) { modbus_new_tcp_pi(host.isEmpty ? nil : host, String(requestedPort)) }
            do throws(ModbusError) {
                listenSocket = try libmodbus(site) {
                    modbus_tcp_pi_listen(context, Int32(min(core.maxConnections, Int(SOMAXCONN))))
                }
            } catch {
                modbus_free(context)
                // libmodbus reports a failed getaddrinfo as ECONNREFUSED.
                var error = error
                if error.code == .connectionRefused { error.code = .addressResolution }
                throw error
            }
        } catch {
            core.state.withLock { state in
                if state.phase == .starting { state.phase = .idle }  // may be tried again
            }
            throw error
        }

        let boundPort = Self.boundPort(of: listenSocket)
        let run = core.state.withLock { state in
            guard state.phase == .starting else { return false }  // stop() came in between
            state.phase = .running
            state.listenSocket = listenSocket
            state.port = boundPort
            core.threads.enter()
            return true
        }
        guard run else {
            modbus_free(context)
            _ = Glibc.close(listenSocket)
            return
        }
        let listener = Listener(context: context, socket: listenSocket)
        let thread = Thread { ServerCore.acceptLoop(core, listener) }
        thread.name = "modbus-accept"
        thread.start()
    }

    /// The bound port (after ``start()``; the ephemeral one when started with port 0), else 0.
    public var port: Int { core.state.withLock { $0.port } }

    /// Connections being served now.
    public var connectionCount: Int { core.state.withLock { $0.connections.count } }

    /// Closes the listener and every connection, and waits until all threads have finished. Idempotent;
    /// `deinit` calls it. Must not be called from the handler (it would wait for itself).
    public func stop() {
        let listenSocket: Int32? = core.state.withLock { state in
            switch state.phase {
            case .idle, .starting:
                state.phase = .stopped
                return nil
            case .stopping, .stopped:
                return nil
            case .running:
                state.phase = .stopping
                _ = shutdown(state.listenSocket, Int32(SHUT_RDWR))
                for socket in state.connections.values { _ = shutdown(socket, Int32(SHUT_RDWR)) }
                return state.listenSocket
            }
        }
        core.threads.wait()
        if let listenSocket {
            _ = Glibc.close(listenSocket)
            core.state.withLock { state in
                state.phase = .stopped
                state.listenSocket = -1
            }
        }
    }

    private static func boundPort(of socket: Int32) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        guard status == 0 else { return 0 }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
        default:
            return 0
        }
    }
}

/// The listening libmodbus context and socket, handed from `start()` to the accept thread, which alone uses them.
private struct Listener: @unchecked Sendable {
    let context: OpaquePointer
    let socket: Int32
}

/// The state the server shares with its threads.
private final class ServerCore: Sendable {
    enum Phase { case idle, starting, running, stopping, stopped }

    struct State {
        var phase = Phase.idle
        var listenSocket: Int32 = -1
        var port = 0
        /// Open connection sockets by connection id; a connection removes itself before it closes its socket,
        /// so `stop()` never shuts down a descriptor number that was reused.
        var connections: [UInt64: Int32] = [:]
        var nextConnection: UInt64 = 0
    }

    let handler: any ModbusServerHandler
    let maxConnections: Int
    let endpoint: String
    let state = Mutex(State())
    /// Entered for every thread before it starts, left when it ends: `stop()` waits on it.
    let threads = DispatchGroup()

    init(handler: any ModbusServerHandler, maxConnections: Int, endpoint: String) {
        self.handler = handler
        self.maxConnections = maxConnections
        self.endpoint = endpoint
    }

    /// Accepts until `stop()` shuts the listening socket down, then frees the listening context.
    static func acceptLoop(_ core: ServerCore, _ listener: Listener) {
        defer {
            // The context's socket field holds the last accepted connection's socket, which its connection
            // thread owns: free the context without modbus_close.
            modbus_free(listener.context)
            core.threads.leave()
        }
        var listenSocket = listener.socket
        while true {
            // accept4(…, SOCK_CLOEXEC) inside; sets the listening context's socket field, nothing else.
            let socket = modbus_tcp_pi_accept(listener.context, &listenSocket)
            if socket < 0 {
                let error = esep_errno()
                if core.state.withLock({ $0.phase != .running }) { return }
                switch error {
                case EINTR, ECONNABORTED, EPROTO, EAGAIN:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    usleep(20_000)  // out of descriptors or memory: let connections finish
                    continue
                default:
                    return
                }
            }
            let admitted: UInt64? = core.state.withLock { state in
                guard state.phase == .running, state.connections.count < core.maxConnections else { return nil }
                let id = state.nextConnection
                state.nextConnection += 1
                state.connections[id] = socket
                core.threads.enter()
                return id
            }
            guard let id = admitted else {
                _ = Glibc.close(socket)
                continue
            }
            setNoDelay(socket)
            let thread = Thread { ServerCore.serve(core, connection: id, socket: socket) }
            thread.name = "modbus-conn-\(id)"
            thread.start()
        }
    }

    /// One connection's loop: receive, ask the handler, answer — until the peer leaves, the handler drops the
    /// connection, or `stop()` shuts the socket down.
    static func serve(_ core: ServerCore, connection id: UInt64, socket: Int32) {
        defer { core.threads.leave() }
        let context = modbus_new_tcp_pi(nil, "502")
        let mapping = modbus_mapping_new(65536, 65536, 65536, 65536)
        let query = UnsafeMutablePointer<UInt8>.allocate(capacity: 260)  // MODBUS_TCP_MAX_ADU_LENGTH
        defer {
            core.state.withLock { _ = $0.connections.removeValue(forKey: id) }
            _ = Glibc.close(socket)
            if let context { modbus_free(context) }
            if let mapping { modbus_mapping_free(mapping) }
            query.deallocate()
        }
        guard let context, let mapping else { return }
        _ = modbus_set_socket(context, socket)
        // A server context uses its response timeout only to sleep before flushing after a malformed request
        // (libmodbus 3.1.6 `response_exception(…, to_flush)`); 500 ms would stall the connection for nothing.
        _ = modbus_set_response_timeout(context, 0, 20_000)
        let header = Int(modbus_get_header_length(context))
        let m = mapping.pointee
        let image = ModbusImage(
            holdingRegisters: UnsafeMutableBufferPointer(start: m.tab_registers, count: Int(m.nb_registers)),
            inputRegisters: UnsafeMutableBufferPointer(start: m.tab_input_registers, count: Int(m.nb_input_registers)),
            coils: UnsafeMutableBufferPointer(start: m.tab_bits, count: Int(m.nb_bits)),
            discreteInputs: UnsafeMutableBufferPointer(start: m.tab_input_bits, count: Int(m.nb_input_bits)))

        while true {
            let length = modbus_receive(context, query)
            if length == 0 { continue }  // ignored by libmodbus
            if length < 0 { return }  // peer closed, reset, stop(), or a malformed frame: end the connection
            guard let request = parse(query, length: Int(length), header: header) else {
                // Out of range for its function: libmodbus answers with the matching exception.
                if modbus_reply(context, query, length, mapping) < 0 { return }
                continue
            }
            switch core.handler.handle(request, image: image) {
            case .normal:
                if modbus_reply(context, query, length, mapping) < 0 { return }
                if request.isWrite { core.handler.didWrite(request, image: image) }
            case .exception(let code):
                if modbus_reply_exception(context, query, UInt32(code)) < 0, esep_errno() != EINVAL { return }
            case .drop:
                return
            case .silence:
                continue
            }
        }
    }

    /// Unit, function, address and count of a query; `nil` when the request is out of range for its function
    /// (libmodbus then answers it alone). The limits mirror libmodbus 3.1.6's `modbus_reply`.
    private static func parse(_ query: UnsafeMutablePointer<UInt8>, length: Int, header: Int) -> ModbusRequest? {
        guard header >= 1, length > header else { return nil }
        func word(_ at: Int) -> Int? {
            at + 1 < length ? Int(query[at]) << 8 | Int(query[at + 1]) : nil
        }
        let unit = query[header - 1]
        let function = query[header]
        let address = word(header + 1)
        let field = word(header + 3)
        func window(_ limit: Int) -> ModbusRequest? {
            guard let address, let count = field, (1...limit).contains(count), address + count <= 65536 else {
                return nil
            }
            return ModbusRequest(unitId: unit, function: function, address: address, count: count)
        }
        switch function {
        case 1, 2:
            return window(2000)
        case 3, 4:
            return window(125)
        case 5:
            guard let address, let value = field, value == 0xFF00 || value == 0 else { return nil }
            return ModbusRequest(unitId: unit, function: function, address: address, count: 1)
        case 6:
            guard let address, field != nil else { return nil }
            return ModbusRequest(unitId: unit, function: function, address: address, count: 1)
        case 15:
            guard let request = window(1968), header + 5 < length, Int(query[header + 5]) * 8 >= request.count
            else { return nil }
            return request
        case 16:
            guard let request = window(123), header + 5 < length, Int(query[header + 5]) == request.count * 2
            else { return nil }
            return request
        default:
            return ModbusRequest(unitId: unit, function: function, address: address ?? 0, count: 0)
        }
    }
}
