/// Where an audited request came from: the client's address, the server's own id for the
/// request, and the id the client gave it (`X-Request-ID`), if it gave a well-formed one. The
/// server's id is always there and always the server's; the client's is kept beside it.
public struct AuditOrigin: Sendable, Hashable {
    public var ip: String?
    public var requestID: String?
    public var clientRequestID: String?

    public init(ip: String?, requestID: String?, clientRequestID: String? = nil) {
        self.ip = ip
        self.requestID = requestID
        self.clientRequestID = clientRequestID
    }

    /// Work no request asked for (the development seed).
    public static let none = AuditOrigin(ip: nil, requestID: nil)
}
