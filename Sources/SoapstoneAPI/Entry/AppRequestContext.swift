import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SoapstoneCore

struct AppRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    /// The loop the connection reads on, which also runs its task (EventLoopBoundChannel).
    let eventLoop: any EventLoop

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.eventLoop = source.channel.eventLoop
    }
}
