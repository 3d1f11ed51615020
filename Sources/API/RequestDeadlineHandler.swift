import NIOCore
import NIOHTTPTypes

/// Closes a connection whose client is too slow: a request must arrive whole (head to end)
/// within `readTimeout`, and a response must be taken whole (head to end written) within
/// `writeTimeout`.
///
/// Sits in each connection's pipeline after Hummingbird's HTTP/1 codec, so it sees parsed
/// request and response parts. Slow *headers* never produce a part; Hummingbird's idle
/// timeout closes those connections. Confined to its channel's event loop, like every
/// channel handler.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let readTimeout: TimeAmount
    private let writeTimeout: TimeAmount
    private var readDeadline: Scheduled<Void>?
    private var writeDeadline: Scheduled<Void>?

    init(readTimeout: Duration, writeTimeout: Duration) {
        self.readTimeout = TimeAmount(readTimeout)
        self.writeTimeout = TimeAmount(writeTimeout)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readDeadline?.cancel()
            readDeadline = schedule(context, in: readTimeout)
        case .body:
            break
        case .end:
            readDeadline?.cancel()
            readDeadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head:
            writeDeadline?.cancel()
            writeDeadline = schedule(context, in: writeTimeout)
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            let promise = promise ?? context.eventLoop.makePromise()
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            promise.futureResult.whenComplete { _ in
                loopBound.value.writeDeadline?.cancel()
                loopBound.value.writeDeadline = nil
            }
            context.write(data, promise: promise)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelAll()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelAll()
    }

    private func cancelAll() {
        readDeadline?.cancel()
        readDeadline = nil
        writeDeadline?.cancel()
        writeDeadline = nil
    }

    private func schedule(_ context: ChannelHandlerContext, in delay: TimeAmount) -> Scheduled<Void> {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        return context.eventLoop.scheduleTask(in: delay) {
            loopBound.value.close(promise: nil)
        }
    }
}
