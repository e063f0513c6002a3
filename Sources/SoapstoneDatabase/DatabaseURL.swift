import Foundation
import NIOSSL
import PostgresNIO

/// A libpq-style URL, read into what PostgresNIO needs:
/// `postgres://user:password@host:5432/database?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem`,
/// or for a unix socket `postgres://user@/database?host=/var/run/postgresql&port=5432`.
///
/// `sslmode` means what it means to libpq: `disable`, `allow` and `prefer` may go without
/// encryption, `require` encrypts without checking whose certificate it is, `verify-ca` checks
/// it against the CA in `sslrootcert`, and `verify-full` checks the host name too. PHI must not
/// cross a network in the clear, so a database on another host takes at least `require`, which
/// is its default; only a loopback or unix-socket database may go without (and defaults to
/// `prefer`). `sslrootcert=system` trusts the system's CAs. Unknown settings are errors.
public struct DatabaseURL: Sendable {
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public enum Endpoint: Sendable, Equatable {
        case socket(path: String)
        case tcp(host: String, port: Int)
    }

    public let endpoint: Endpoint
    public let user: String
    public let password: String?
    public let database: String
    public let tlsMode: TLSMode
    /// The CA file for `verify-ca` and `verify-full`, or nil for the system's CAs.
    public let rootCertificate: String?

    /// The query parameters understood here; anything else is refused, not dropped.
    static let parameters: Set<String> = ["host", "port", "user", "password", "sslmode", "sslrootcert"]

    public init(parsing text: String) throws {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme.lowercased())
        else {
            throw DatabaseURLError("expected postgres://user:password@host:port/database, got something else")
        }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] {
            guard Self.parameters.contains(item.name) else {
                throw DatabaseURLError(
                    "\(item.name) is not a setting this server reads (it reads \(Self.parameters.sorted().joined(separator: ", ")))")
            }
            query[item.name] = item.value ?? ""
        }
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }) ?? query["user"],
            !user.isEmpty
        else {
            throw DatabaseURLError("the URL names no user")
        }
        self.user = user
        password = components.percentEncodedPassword?.removingPercentEncoding ?? query["password"]
        guard let database = String(components.path.drop(while: { $0 == "/" })).removingPercentEncoding, !database.isEmpty
        else {
            throw DatabaseURLError("the URL names no database")
        }
        self.database = database
        let port: Int
        if let explicit = components.port {
            port = explicit
        } else if let text = query["port"] {
            guard let parsed = Int(text), (1...65535).contains(parsed) else {
                throw DatabaseURLError("port \(text) is not a port")
            }
            port = parsed
        } else {
            port = 5432
        }
        let host = components.percentEncodedHost?.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 } ?? query["host"]
        guard let host else { throw DatabaseURLError("the URL names no host (nor a socket folder in ?host=)") }
        endpoint = host.hasPrefix("/") ? .socket(path: "\(host)/.s.PGSQL.\(port)") : .tcp(host: host, port: port)

        let local = Self.isLocal(endpoint)
        if let text = query["sslmode"] {
            guard let mode = TLSMode(rawValue: text) else {
                throw DatabaseURLError(
                    "sslmode \(text) is not one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            tlsMode = mode
        } else {
            tlsMode = local ? .prefer : .require
        }
        if !local, [.disable, .allow, .prefer].contains(tlsMode) {
            throw DatabaseURLError(
                "sslmode \(tlsMode.rawValue) would let patient data cross the network unencrypted to \(host); "
                    + "use require, verify-ca or verify-full (only a loopback or unix-socket database may go without)")
        }
        switch query["sslrootcert"] {
        case "system": rootCertificate = nil
        case let path? where !path.isEmpty:
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw DatabaseURLError("sslrootcert \(path) cannot be read")
            }
            rootCertificate = path
        default:
            if [.verifyCA, .verifyFull].contains(tlsMode) {
                throw DatabaseURLError(
                    "sslmode \(tlsMode.rawValue) checks the server's certificate: name its CA with sslrootcert=<file> (or sslrootcert=system)")
            }
            rootCertificate = nil
        }
    }

    /// Loopback or a unix socket: traffic that never leaves this machine.
    static func isLocal(_ endpoint: Endpoint) -> Bool {
        switch endpoint {
        case .socket: return true
        case .tcp(let host, _):
            return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
        }
    }

    /// The TLS configuration the mode asks for; nil without TLS.
    func tlsConfiguration() -> TLSConfiguration? {
        guard case .tcp = endpoint, tlsMode != .disable else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        switch tlsMode {
        case .disable, .allow, .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let rootCertificate { tls.trustRoots = .file(rootCertificate) }
        return tls
    }

    /// For the server's pools and the commands.
    public func clientConfiguration() -> PostgresClient.Configuration {
        switch endpoint {
        case .socket(let path):
            return .init(unixSocketPath: path, username: user, password: password, database: database)
        case .tcp(let host, let port):
            let tls: PostgresClient.Configuration.TLS =
                switch (tlsMode, tlsConfiguration()) {
                case (_, nil): .disable
                case (.allow, let tls?), (.prefer, let tls?): .prefer(tls)
                case (_, let tls?): .require(tls)
                }
            return .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
        }
    }

    /// One connection of its own, e.g. to check what the server is told before serving.
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        switch endpoint {
        case .socket(let path):
            return .init(unixSocketPath: path, username: user, password: password, database: database)
        case .tcp(let host, let port):
            let tls: PostgresConnection.Configuration.TLS =
                switch (tlsMode, try tlsConfiguration().map { try NIOSSLContext(configuration: $0) }) {
                case (_, nil): .disable
                case (.allow, let context?), (.prefer, let context?): .prefer(context)
                case (_, let context?): .require(context)
                }
            return .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
        }
    }

    /// What the server tells the operator at start: where, and how the traffic is protected.
    public var security: String {
        switch endpoint {
        case .socket(let path): return "unix socket \(path), no TLS (the traffic stays on this machine)"
        case .tcp(let host, let port):
            let how =
                switch tlsMode {
                case .disable: "no TLS"
                case .allow, .prefer: "TLS if the server offers it, else none (\(tlsMode.rawValue))"
                case .require: "TLS, the server's certificate not checked (require)"
                case .verifyCA: "TLS, the server's certificate checked against \(rootCertificate ?? "the system's CAs") (verify-ca)"
                case .verifyFull:
                    "TLS, the server's certificate and name checked against \(rootCertificate ?? "the system's CAs") (verify-full)"
                }
            return "\(host):\(port), \(how)"
        }
    }

    /// The client configuration of `text`: for callers that need nothing else.
    public static func configuration(from text: String) throws -> PostgresClient.Configuration {
        try DatabaseURL(parsing: text).clientConfiguration()
    }
}

public struct DatabaseURLError: Error, CustomStringConvertible {
    public let description: String
    init(_ reason: String) { self.description = "DATABASE_URL: \(reason)" }
}
