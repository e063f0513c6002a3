import Foundation
import Logging
import PostgresNIO
import SoapstoneDatabase
import SoapstoneDevelopment
import SoapstoneTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `sslmode` means what it means to libpq, and patient data never crosses a network in the
/// clear by default. Checked against a PostgreSQL of the suite's own that speaks TLS with a
/// certificate from a CA made for the test, for the name `localhost` only: `127.0.0.1` is the
/// wrong name for it (NIOSSL matches an IP address only against a certificate's IP entries).
@Suite("Database URL and TLS")
struct DatabaseURLTests {
    static let password = "tls-test-password"

    @Test("What each URL asks for: defaults by where the database is, and every mistake refused")
    func parsing() throws {
        let socket = try DatabaseURL(parsing: "postgres://app@/soapstone?host=/var/run/postgresql&port=5433")
        #expect(socket.endpoint == .socket(path: "/var/run/postgresql/.s.PGSQL.5433"))
        #expect(socket.security.contains("unix socket"))
        #expect(try DatabaseURL(parsing: "postgres://app@127.0.0.1/soapstone").tlsMode == .prefer)
        #expect(try DatabaseURL(parsing: "postgres://app@localhost/soapstone").tlsMode == .prefer)
        // Another host: encrypted by default, and never in the clear.
        let remote = try DatabaseURL(parsing: "postgres://app:secret@db.example:5432/soapstone")
        #expect(remote.tlsMode == .require)
        #expect(remote.security == "db.example:5432, TLS, the server's certificate not checked (require)")
        for mode in ["disable", "allow", "prefer"] {
            #expect(throws: DatabaseURLError.self, "\(mode)") {
                try DatabaseURL(parsing: "postgres://app@db.example/soapstone?sslmode=\(mode)")
            }
        }
        #expect(throws: DatabaseURLError.self) { try DatabaseURL(parsing: "postgres://app@db.example/soapstone?sslmode=verify-full") }
        #expect(throws: DatabaseURLError.self) {
            try DatabaseURL(parsing: "postgres://app@db.example/soapstone?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")
        }
        #expect(throws: DatabaseURLError.self) { try DatabaseURL(parsing: "postgres://app@db.example/soapstone?sslmode=sometimes") }
        // A setting this server does not read is refused, not dropped.
        #expect(throws: DatabaseURLError.self) { try DatabaseURL(parsing: "postgres://app@db.example/soapstone?sslcert=/x.pem") }
        let system = try DatabaseURL(parsing: "postgres://app@db.example/soapstone?sslmode=verify-full&sslrootcert=system")
        #expect(system.rootCertificate == nil)
        #expect(system.security.contains("the system's CAs"))
    }

    @Test("verify-full needs the server's CA and name; verify-ca the CA; require encrypts without either")
    func againstATLSServer() async throws {
        let (cluster, ca) = try await TLSCluster.shared.value
        let db = try await cluster.makeDatabase(.migrated)
        let port = db.server.port
        let user = "\(TestDatabase.server):\(Self.password)"
        func connect(_ host: String, _ query: String) async throws -> Bool {
            let url = try DatabaseURL(parsing: "postgres://\(user)@\(host):\(port)/\(db.name)?\(query)")
            let connection = try await PostgresConnection.connect(
                configuration: try url.connectionConfiguration(), id: 1, logger: Logger(label: "tls"))
            defer { Task { try? await connection.close() } }
            let rows = try await connection.query(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: Logger(label: "tls")
            ).collect()
            return try rows.first?.decode(Bool.self) ?? false
        }
        func refused(_ host: String, _ query: String) async -> Bool {
            (try? await connect(host, query)) == nil
        }
        #expect(try await connect("localhost", "sslmode=verify-full&sslrootcert=\(ca)"))
        #expect(await refused("localhost", "sslmode=verify-full&sslrootcert=system"), "an unknown CA is refused")
        #expect(await refused("127.0.0.1", "sslmode=verify-full&sslrootcert=\(ca)"), "a certificate for another name is refused")
        #expect(try await connect("127.0.0.1", "sslmode=verify-ca&sslrootcert=\(ca)"), "verify-ca checks the CA, not the name")
        #expect(try await connect("127.0.0.1", "sslmode=require"), "require encrypts, whoever's certificate it is")
    }
}

/// The suite's TLS cluster: a CA and a certificate for `localhost` made with openssl, then a
/// cluster started with them and a password for the server role (TCP logins need one).
enum TLSCluster {
    static let shared = Task { () throws -> (TestCluster, String) in
        // Inside the cluster's own folder, which goes with it when the tests end.
        let cluster = FileManager.default.temporaryDirectory.appendingPathComponent("soapstone-test-\(getpid())-tls")
        let folder = cluster.appendingPathComponent("certificates")
        try? FileManager.default.removeItem(at: cluster)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        chmod(cluster.path, 0o755)
        chmod(folder.path, 0o755)
        func openssl(_ arguments: [String]) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.currentDirectoryURL = folder
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw TestClusterError(description: "openssl \(arguments.first ?? "") failed")
            }
        }
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Soapstone test CA"])
        try openssl(["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"])
        try Data("subjectAltName = DNS:localhost\n".utf8).write(to: folder.appendingPathComponent("server.ext"))
        try openssl([
            "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt",
            "-days", "2", "-extfile", "server.ext",
        ])
        let key = folder.appendingPathComponent("server.key").path
        // PostgreSQL reads its key only if nobody else may.
        if geteuid() == 0, let account = getpwnam("postgres") {
            chown(key, account.pointee.pw_uid, account.pointee.pw_gid)
        }
        chmod(key, 0o600)
        chmod(folder.appendingPathComponent("server.crt").path, 0o644)
        let tls = TestCluster(
            ownNamed: "tls",
            serverSettings: ["ssl": "on", "ssl_cert_file": folder.appendingPathComponent("server.crt").path, "ssl_key_file": key])
        let running = try await tls.cluster()
        try await TestCluster.withConnection(
            to: .local(running), user: LocalCluster.superuser, database: "postgres", logger: Logger(label: "tls")
        ) { connection in
            _ = try await connection.query(
                PostgresQuery(unsafeSQL: "ALTER ROLE \(TestDatabase.server) PASSWORD '\(DatabaseURLTests.password)'"),
                logger: Logger(label: "tls")
            ).collect()
        }
        return (tls, folder.appendingPathComponent("ca.crt").path)
    }
}
