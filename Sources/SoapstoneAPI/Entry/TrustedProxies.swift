import Foundation
import HTTPTypes

#if canImport(Glibc)
    import Glibc
#endif

/// The proxies whose word about the client's address is believed (`SOAPSTONE_TRUSTED_PROXIES`:
/// addresses or CIDR networks), and the one header they say it in
/// (`SOAPSTONE_CLIENT_ADDRESS_HEADER`: `X-Forwarded-For` by default, or `Forwarded`). Behind a
/// TLS-terminating proxy every request's socket peer is the proxy: without this, the whole
/// clinic shares one login throttle and the audit log records the proxy. Nobody else's header
/// is believed, since any client can send one; nor the other header even from a trusted proxy,
/// since a proxy sets the one it is configured to and passes the other through as the client
/// sent it (deploy/nginx.conf.in clears it all the same).
public struct TrustedProxies: Sendable {
    /// One network: its address bytes (4 or 16) and how many leading bits count.
    struct Network: Sendable, Equatable {
        let bytes: [UInt8]
        let prefix: Int

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            for bit in 0..<prefix {
                let mask = UInt8(0x80) >> (bit % 8)
                if address[bit / 8] & mask != bytes[bit / 8] & mask { return false }
            }
            return true
        }
    }

    /// The header a trusted proxy names the client in.
    public enum Header: String, Sendable, CaseIterable {
        case xForwardedFor = "X-Forwarded-For"
        /// RFC 7239.
        case forwarded = "Forwarded"

        /// The header's name in any case; throws `InvalidHeader` for any other.
        public init(parsing name: String) throws {
            guard let header = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
                throw InvalidHeader(name: name)
            }
            self = header
        }
    }

    public struct InvalidHeader: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "\(name) is not a client address header: use X-Forwarded-For or Forwarded" }
    }

    let networks: [Network]
    public var header: Header = .xForwardedFor

    public static let none = TrustedProxies(networks: [])

    init(networks: [Network]) {
        self.networks = networks
    }

    /// `10.0.0.0/8, 192.0.2.10, ::1, fd00::/8`; throws `InvalidEntry` naming an entry that is
    /// neither an address nor a network.
    public init(parsing list: String) throws {
        networks = try list.split(separator: ",").map { entry in
            let text = entry.trimmingCharacters(in: .whitespaces)
            let parts = text.split(separator: "/", maxSplits: 1)
            guard let bytes = Self.addressBytes(String(parts[0])) else { throw InvalidEntry(entry: text) }
            let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
            guard let prefix, (0...bytes.count * 8).contains(prefix) else { throw InvalidEntry(entry: text) }
            return Network(bytes: bytes, prefix: prefix)
        }
    }

    public struct InvalidEntry: Error, CustomStringConvertible {
        public let entry: String
        public var description: String { "\(entry) is not an IP address or CIDR network" }
    }

    func trusts(_ address: [UInt8]) -> Bool {
        networks.contains { $0.contains(address) }
    }

    /// The client's address: the socket peer, unless the peer is a trusted proxy; then the
    /// right-most hop of `header` that is not itself a trusted proxy. A hop that is no IP
    /// address ends the walk at the last one that was.
    func clientAddress(peer: String?, headers: HTTPFields) -> String? {
        guard let peer, let peerBytes = Self.addressBytes(peer), trusts(peerBytes) else { return peer }
        var client = peer
        for hop in hops(headers).reversed() {
            guard let bytes = Self.addressBytes(hop) else { break }
            client = hop
            if !trusts(bytes) { break }
        }
        return client
    }

    /// The `for=` of each `Forwarded` element (RFC 7239), or the entries of `X-Forwarded-For`,
    /// in order from the first client to the last proxy; ports and brackets dropped.
    func hops(_ headers: HTTPFields) -> [String] {
        switch header {
        case .forwarded:
            headers[values: .forwarded].joined(separator: ",").split(separator: ",").map { element in
                let pairs = element.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
                let value = pairs.first { $0.lowercased().hasPrefix("for=") }.map { String($0.dropFirst(4)) } ?? ""
                return Self.node(value.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
            }
        case .xForwardedFor:
            headers[values: .xForwardedFor].joined(separator: ",").split(separator: ",").map {
                Self.node($0.trimmingCharacters(in: .whitespaces))
            }
        }
    }

    /// `[2001:db8::1]:4711` → `2001:db8::1`; `192.0.2.60:80` → `192.0.2.60`.
    static func node(_ text: String) -> String {
        if text.hasPrefix("["), let end = text.firstIndex(of: "]") {
            return String(text[text.index(after: text.startIndex)..<end])
        }
        if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            return String(text[..<colon])
        }
        return text
    }

    /// The bytes of an IPv4 or IPv6 address; an IPv4-mapped IPv6 address as IPv4.
    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes.prefix(10).allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF { return Array(bytes.suffix(4)) }
        return bytes
    }
}

extension HTTPField.Name {
    static let forwarded = Self("Forwarded")!
    static let xForwardedFor = Self("X-Forwarded-For")!
}
