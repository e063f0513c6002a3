/// What an admin may not do to users, whatever else they may: the organisation never loses its
/// last active admin, and nobody changes their own role.
public enum UserAdministrationRules {
    /// Refuses a change of `target`'s role or active flag by `actor` that would leave the
    /// organisation without an admin (`otherActiveAdmins` besides the target) or that changes
    /// the actor's own role.
    public static func check(
        actor: Principal, target: User, role: Role?, active: Bool?, otherActiveAdmins: () async throws -> Int
    ) async throws {
        if target.id == actor.userID, let role, role != actor.role {
            throw DomainError.conflict("Nobody changes their own role; ask another admin.")
        }
        let losesAdmin = target.role == .admin && target.active && ((role.map { $0 != .admin } ?? false) || active == false)
        if losesAdmin, try await otherActiveAdmins() == 0 {
            throw DomainError.conflict("This is the last active admin; make another admin first.")
        }
    }
}
