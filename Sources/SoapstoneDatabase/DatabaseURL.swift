import Foundation
import PostgresNIO

/// Turns a libpq-style URL into a PostgresNIO configuration:
/// `postgres://user:password@host:5432/database?sslmode=require`, or for a unix socket
/// `postgres://user@/database?host=/var/run/postgresql&port=5432`.
public enum DatabaseURL {
    public static func configuration(from text: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme.lowercased())
        else {
            throw DatabaseURLError("expected postgres://user:password@host:port/database, got something else")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }) ?? query["user"],
            !user.isEmpty
        else {
            throw DatabaseURLError("the URL names no user")
        }
        let password = components.percentEncodedPassword?.removingPercentEncoding ?? query["password"]
        let database = String(components.path.drop(while: { $0 == "/" })).removingPercentEncoding
        guard let database, !database.isEmpty else {
            throw DatabaseURLError("the URL names no database")
        }
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
        if host.hasPrefix("/") {
            return .init(unixSocketPath: "\(host)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }

        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "prefer" {
        case "disable": tls = .disable
        case "allow", "prefer": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case let other: throw DatabaseURLError("sslmode \(other) is not one of disable, prefer, require, verify-full")
        }
        return .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }
}

public struct DatabaseURLError: Error, CustomStringConvertible {
    public let description: String
    init(_ reason: String) { self.description = "DATABASE_URL: \(reason)" }
}
