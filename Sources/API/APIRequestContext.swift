import Hummingbird
import NIOCore
import SiteConfig

/// The per-request context: Hummingbird's core storage, the peer's address, and who the
/// request was authenticated as.
struct APIRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The TCP peer (nil in Hummingbird's router-only test mode).
    let remoteAddress: SocketAddress?
    /// Set by ``AuthMiddleware``; nil on open routes.
    var principal: APIPrincipal?
    /// The connection (nil in Hummingbird's router-only test mode).
    let channel: (any Channel)?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        channel = source.channel
        principal = nil
    }

    /// Requests carry no body here: anything larger than this is refused by ``RequestLimitMiddleware``.
    var maxUploadSize: Int { 16 * 1024 }

    /// True when the peer is 127.0.0.0/8, ::1 or an IPv4-mapped loopback address.
    var isLoopback: Bool {
        guard let address = remoteAddress else { return false }
        if case .unixDomainSocket = address { return true }
        guard let ip = address.ipAddress?.lowercased() else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    /// Throws 403 unless the principal holds one of `scopes`.
    func require(anyOf scopes: Set<APIScope>) throws(APIProblem) {
        guard let principal else { throw .unauthorized("a bearer token is required") }
        guard principal.allows(anyOf: scopes) else { throw .forbidden(scopes) }
    }
}
