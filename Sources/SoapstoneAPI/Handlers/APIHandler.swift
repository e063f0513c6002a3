import Foundation
import OpenAPIRuntime
import SoapstoneCore
import SoapstoneDatabase

/// The operations of the OpenAPI document. Handlers translate between the generated types and
/// the domain; the rules live in the services and the database.
struct APIHandler: APIProtocol {
    let auth: AuthService
    let users: UserService
    let patients: PatientService
    let careTeam: CareTeamService
    let encounters: EncounterService
    let notes: NoteService
    let auditLog: AuditLogService
    let health: HealthService

    func getHealth(_ input: Operations.getHealth.Input) async throws -> Operations.getHealth.Output {
        let version = try await health.check(logger: auth.logger)
        return .ok(.init(body: .json(.init(status: .ok, database: .up, schema_version: version))))
    }

    func register(_ input: Operations.register.Input) async throws -> Operations.register.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send JSON.") }
        let (session, tenant) = try await auth.register(
            organizationName: body.organization.name, slug: body.organization.slug, email: body.admin.email,
            name: body.admin.name, password: body.admin.password)
        let inCookie = input.headers.X_hyphen_Soapstone_hyphen_Session == .cookie
        return .created(
            .init(
                headers: .init(Set_hyphen_Cookie: cookie(for: session, if: inCookie)),
                body: .json(
                    .init(
                        access_token: session.accessToken, token_type: .Bearer, expires_in: session.expiresIn,
                        refresh_token: inCookie ? nil : session.refreshToken, user: .init(session.user),
                        tenant: .init(tenant)))))
    }

    func login(_ input: Operations.login.Input) async throws -> Operations.login.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send JSON.") }
        let session = try await auth.login(organization: body.tenant, email: body.email, password: body.password)
        let inCookie = input.headers.X_hyphen_Soapstone_hyphen_Session == .cookie
        return .ok(
            .init(
                headers: .init(Set_hyphen_Cookie: cookie(for: session, if: inCookie)),
                body: .json(.init(session, refreshTokenInBody: !inCookie))))
    }

    func refresh(_ input: Operations.refresh.Input) async throws -> Operations.refresh.Output {
        let inCookie = input.headers.X_hyphen_Soapstone_hyphen_Session == .cookie
        let json = input.body.map { body in
            switch body {
            case .json(let json): json
            }
        }
        guard let token = Self.refreshToken(json, cookies: input.headers.Cookie, inCookie: inCookie) else {
            throw inCookie ? Problem.invalidRefreshToken : Problem.badRequest("Send the refresh token as JSON.")
        }
        let session = try await auth.refresh(token)
        return .ok(
            .init(
                headers: .init(Set_hyphen_Cookie: cookie(for: session, if: inCookie)),
                body: .json(.init(session, refreshTokenInBody: !inCookie))))
    }

    func logout(_ input: Operations.logout.Input) async throws -> Operations.logout.Output {
        let inCookie = input.headers.X_hyphen_Soapstone_hyphen_Session == .cookie
        let json = input.body.map { body in
            switch body {
            case .json(let json): json
            }
        }
        if let token = Self.refreshToken(json, cookies: input.headers.Cookie, inCookie: inCookie) {
            try await auth.logout(token)
        } else if !inCookie {
            throw Problem.badRequest("Send the refresh token as JSON.")
        }
        // A page without the cookie is logged out already; it gets the clearing cookie all the same.
        return .noContent(.init(headers: .init(Set_hyphen_Cookie: inCookie ? RefreshCookie.clearing : nil)))
    }

    /// The refresh token of a refresh or logout: from the JSON body, or, for the web page (and
    /// only when it says so with X-Soapstone-Session, which another site cannot send), from
    /// the cookie.
    private static func refreshToken(_ json: Components.Schemas.RefreshRequest?, cookies: String?, inCookie: Bool) -> String? {
        if let json { return json.refresh_token }
        return inCookie ? RefreshCookie.token(in: cookies) : nil
    }

    private func cookie(for session: IssuedSession, if inCookie: Bool) -> String? {
        inCookie ? RefreshCookie.setting(session.refreshToken) : nil
    }

    func getMe(_ input: Operations.getMe.Input) async throws -> Operations.getMe.Output {
        let (user, tenant) = try await auth.me(try Principal.authenticated())
        return .ok(
            .init(
                body: .json(
                    .init(user: .init(user), tenant: .init(tenant), allowed_operations: Permissions.allowedOperations(for: user.role)))))
    }

    func listUsers(_ input: Operations.listUsers.Input) async throws -> Operations.listUsers.Output {
        let page = try await users.list(
            .email, limit: try PageLimit.standard.resolve(input.query.limit),
            after: try input.query.cursor.map(RowCursor.init(opaque:)), by: try Principal.authenticated())
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.User.init), next_cursor: page.next?.opaque))))
    }

    /// Names and roles only, for every role: who wrote, signed or did something is part of the
    /// record each role already reads; emails and administration stay with admins.
    func listStaff(_ input: Operations.listStaff.Input) async throws -> Operations.listStaff.Output {
        let page = try await users.list(
            .name, limit: try PageLimit.standard.resolve(input.query.limit),
            after: try input.query.cursor.map(RowCursor.init(opaque:)), by: try Principal.authenticated())
        return .ok(
            .init(body: .json(.init(items: page.items.map(Components.Schemas.StaffMember.init), next_cursor: page.next?.opaque))))
    }

    func createUser(_ input: Operations.createUser.Input) async throws -> Operations.createUser.Output {
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send JSON.") }
        let user = try await users.create(
            by: try Principal.authenticated(), email: body.email, name: body.name, password: body.password,
            role: Role(body.role))
        return .created(.init(body: .json(.init(user))))
    }

    func getUser(_ input: Operations.getUser.Input) async throws -> Operations.getUser.Output {
        let id = try Self.id(input.path.id)
        let user = try await users.find(id, by: try Principal.authenticated())
        return .ok(.init(body: .json(.init(user))))
    }

    func updateUser(_ input: Operations.updateUser.Input) async throws -> Operations.updateUser.Output {
        let id = try Self.id(input.path.id)
        guard case .json(let body) = input.body else { throw Problem.badRequest("Send JSON.") }
        let user = try await users.update(
            id, by: try Principal.authenticated(), name: body.name, role: body.role.map(Role.init),
            active: body.active)
        return .ok(.init(body: .json(.init(user))))
    }
}

extension APIHandler {
    /// A path id: anything but a UUID names nothing here, so it answers 404 like a missing one.
    static func id(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw Problem.notFound }
        return id
    }
}

// MARK: - Between generated and domain types

extension Components.Schemas.User {
    init(_ user: User) {
        self.init(
            id: user.id.uuidString.lowercased(), tenant_id: user.tenantID.uuidString.lowercased(), email: user.email,
            name: user.name,
            role: .init(user.role), active: user.active, created_at: user.createdAt)
    }
}

extension Components.Schemas.StaffMember {
    init(_ user: User) {
        self.init(
            id: user.id.uuidString.lowercased(), name: user.name,
            role: .init(user.role), active: user.active)
    }
}

extension Components.Schemas.Tenant {
    init(_ tenant: Tenant) {
        self.init(id: tenant.id.uuidString.lowercased(), name: tenant.name, slug: tenant.slug, created_at: tenant.createdAt)
    }
}

extension Components.Schemas.TokenResponse {
    init(_ session: IssuedSession, refreshTokenInBody: Bool = true) {
        self.init(
            access_token: session.accessToken, token_type: .Bearer, expires_in: session.expiresIn,
            refresh_token: refreshTokenInBody ? session.refreshToken : nil,
            user: .init(session.user))
    }
}
