import NIOCore
import NIOHTTPTypes
import SiteConfig
import Synchronization

/// The server's open connections, by client address: who may open another one, and whether
/// the client of a connection has gone (so work for it can stop).
///
/// Admission: addresses that are not reserved share ``APIConfiguration/maxConnections``, at most
/// ``APIConfiguration/maxConnectionsPerAddress`` each; reserved addresses (the grid operator's)
/// are not held to the per-address cap and may use ``APIConfiguration/reservedConnections`` more
/// once the shared ones are taken. A connection that is not admitted is closed at once, so the
/// server never stops accepting: one address holding many connections starves no one else.
final class ConnectionTable: Sendable {
    /// Set when the client of a connection closed it (or its input): nothing more can reach it.
    final class Client: Sendable {
        private let flag = Atomic<Bool>(false)
        var isGone: Bool { flag.load(ordering: .relaxed) }
        func markGone() { flag.store(true, ordering: .relaxed) }
    }

    private struct State {
        var shared = 0
        var reserved = 0
        var byAddress: [String: Int] = [:]
        var clients: [ObjectIdentifier: Client] = [:]
    }

    let maxShared: Int
    let maxPerAddress: Int
    let maxReserved: Int
    let reservedPatterns: [AddressPattern]
    private let state = Mutex(State())

    init(_ c: APIConfiguration) {
        maxShared = c.maxConnections
        maxPerAddress = c.maxConnectionsPerAddress
        maxReserved = c.reservedConnections
        reservedPatterns = c.reservedAddresses
    }

    /// The most connections the server may hold open (Hummingbird's own cap, as a backstop).
    var hardCap: Int { maxShared + maxReserved + 64 }

    func isReserved(_ address: String) -> Bool {
        !reservedPatterns.isEmpty && reservedPatterns.contains { $0.matches(address) }
    }

    /// An admitted connection's slot, given back by ``release(_:)``.
    struct Slot {
        var address: String
        var reserved: Bool
        var client: Client
        var id: ObjectIdentifier
    }

    /// Admits a connection (`id`: its channel's identity) from `address` or says why not.
    func admit(_ id: ObjectIdentifier, address: String) -> Result<Slot, Refusal> {
        let reserved = isReserved(address)
        return state.withLock { s in
            if reserved {
                guard s.shared + s.reserved < maxShared + maxReserved else { return .failure(.full) }
                s.reserved += 1
            } else {
                guard s.shared < maxShared else { return .failure(.full) }
                guard s.byAddress[address, default: 0] < maxPerAddress else { return .failure(.addressLimit) }
                s.shared += 1
                s.byAddress[address, default: 0] += 1
            }
            let client = Client()
            s.clients[id] = client
            return .success(Slot(address: address, reserved: reserved, client: client, id: id))
        }
    }

    func release(_ slot: Slot) {
        slot.client.markGone()
        state.withLock { s in
            s.clients[slot.id] = nil
            if slot.reserved {
                s.reserved -= 1
            } else {
                s.shared -= 1
                let n = s.byAddress[slot.address, default: 1] - 1
                s.byAddress[slot.address] = n > 0 ? n : nil
            }
        }
    }

    /// The client of `channel` (nil when the connection is not in the table: tests, or gone).
    func client(of channel: any Channel) -> Client? {
        let id = ObjectIdentifier(channel)
        return state.withLock { $0.clients[id] }
    }

    /// Connections open now (shared, reserved).
    var open: (shared: Int, reserved: Int) { state.withLock { ($0.shared, $0.reserved) } }

    enum Refusal: Error, CustomStringConvertible {
        case full, addressLimit
        var description: String {
            switch self {
            case .full: "every connection is in use (api.max_connections)"
            case .addressLimit: "this address holds its share of connections (api.max_connections_per_address)"
            }
        }
    }
}

/// One per connection, after the HTTP/1 codec: admits the connection through the shared
/// ``ConnectionTable`` (closing it at once when it is not admitted), closes it when its first
/// request head has not arrived within the header deadline (slow-header clients), and marks
/// its client gone when the peer closes, so the request's work can stop.
///
/// Confined to its channel's event loop, like every channel handler.
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let table: ConnectionTable
    private let headerTimeout: TimeAmount
    private var slot: ConnectionTable.Slot?
    private var headerDeadline: Scheduled<Void>?
    private var sawHead = false
    private var started = false

    init(table: ConnectionTable, headerTimeout: Duration) {
        self.table = table
        self.headerTimeout = TimeAmount(headerTimeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard !started else { return }
        started = true
        let address = context.channel.remoteAddress?.ipAddress ?? "unknown"
        switch table.admit(ObjectIdentifier(context.channel), address: address) {
        case .success(let s):
            slot = s
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            headerDeadline = context.eventLoop.scheduleTask(in: headerTimeout) {
                loopBound.value.close(promise: nil)
            }
        case .failure:
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !sawHead, case .head = unwrapInboundIn(data) {
            sawHead = true
            headerDeadline?.cancel()
            headerDeadline = nil
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed { slot?.client.markGone() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    private func finish() {
        headerDeadline?.cancel()
        headerDeadline = nil
        if let slot { table.release(slot) }
        slot = nil
    }
}
