import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SoapstoneCore

/// What the audit log and the logs need to know about the request being served. Set once per
/// request by `RequestInfoMiddleware`; handlers generated from the OpenAPI document get no
/// request context, so it travels as a task local.
struct RequestInfo: Sendable {
    /// The server's own id for the request: answered in `X-Request-ID`, in every log line and
    /// audit event of it. A client cannot choose it.
    let requestID: String
    /// The client's (or its proxy's) `X-Request-ID`, kept beside ours when it looks like one.
    let clientRequestID: String?
    let clientAddress: String?

    @TaskLocal static var current = RequestInfo(requestID: "-", clientRequestID: nil, clientAddress: nil)

    var origin: AuditOrigin {
        AuditOrigin(ip: clientAddress, requestID: requestID, clientRequestID: clientRequestID)
    }

    /// A client's id is kept if it looks like one (letters, digits, `-_.:`, at most 128), so a
    /// proxy's id can be followed through the audit log; anything else is dropped.
    static func clientRequestID(from header: String?) -> String? {
        guard let header, (1...128).contains(header.utf8.count),
            header.unicodeScalars.allSatisfy({
                CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_.:".unicodeScalars.contains($0)
            })
        else { return nil }
        return header
    }

    /// A version 4 UUID from the system's generator (getrandom): Foundation's `UUID()` opens,
    /// reads and closes /dev/urandom for each one, three system calls on every request.
    static func randomUUID() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var bytes = unsafeBitCast((generator.next() as UInt64, generator.next() as UInt64), to: uuid_t.self)
        bytes.6 = bytes.6 & 0x0F | 0x40  // version 4
        bytes.8 = bytes.8 & 0x3F | 0x80  // the RFC 9562 variant
        return UUID(uuid: bytes)
    }
}
